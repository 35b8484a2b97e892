// Next.js configuration for the Inlet console. The API is reached through src/proxy.ts, which
// forwards /api/trpc/* to INLET_API_URL as the server runs (a next.config rewrite would be fixed
// at build time), keeping the browser on one origin so the session cookie travels along.
import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;

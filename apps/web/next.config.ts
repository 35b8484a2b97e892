// Next.js configuration for the Inlet console. The API is reached through src/proxy.ts, which
// forwards /api/trpc/* to INLET_API_URL as the server runs (a next.config rewrite would be fixed
// at build time), keeping the browser on one origin so the session cookie travels along.
import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  typedRoutes: false,
  // Two consoles built from one checkout (e.g. side by side on other ports) each need their own folder.
  distDir: process.env.INLET_NEXT_DIST_DIR || ".next",
  experimental: {
    // Bodies passed on to the API (src/proxy.ts) are cut at this size: a 5 MB sample to infer a schema
    // from travels JSON-escaped, so the API takes up to 11 MB for that call.
    proxyClientMaxBodySize: "12mb",
  },
};

export default nextConfig;

// Runs before every console request: forwards tRPC calls to the API, and sends anyone without a session to /signin.
import { type NextRequest, NextResponse } from "next/server";
import { getToken } from "next-auth/jwt";
import { refuseCrossSite } from "@/lib/cross-site";
import { apiUrl } from "@/lib/server-env";

const TRPC_PREFIX = "/api/trpc/";

export async function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;

  // next.config's rewrite is fixed when `next build` runs; this one reads INLET_API_URL when the server runs.
  if (pathname.startsWith(TRPC_PREFIX)) {
    // The rewrite carries the session cookie: a mutation posted by another site's page stops here.
    const refused = refuseCrossSite(request);
    if (refused) return refused;
    return NextResponse.rewrite(new URL(`${apiUrl()}/trpc/${pathname.slice(TRPC_PREFIX.length)}${search}`));
  }

  const token = await getToken({ req: request, secret: process.env.NEXTAUTH_SECRET });
  if (token) return NextResponse.next();
  const signIn = new URL("/signin", request.url);
  const target = `${pathname}${search}`;
  if (target !== "/") signIn.searchParams.set("callbackUrl", target);
  return NextResponse.redirect(signIn);
}

export const config = {
  // Other API routes answer for themselves (next-auth's); assets must load on /signin.
  matcher: ["/api/trpc/:path*", "/((?!api|_next/static|_next/image|favicon.ico|icon.svg|signin).*)"],
};

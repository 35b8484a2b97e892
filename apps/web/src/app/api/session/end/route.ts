// Ends the browser's session at the API before the console clears its cookie, so that the person
// signing out learns when that could not be done (the API unreachable) instead of believing it was.

import type { NextRequest } from "next/server";
import { getToken } from "next-auth/jwt";
import { endSessionAtApi } from "@/lib/api-login";
import { SESSION_MAX_AGE_SECONDS } from "@/lib/auth";
import { refuseCrossSite } from "@/lib/cross-site";

export async function POST(req: NextRequest): Promise<Response> {
  const crossSite = refuseCrossSite(req);
  if (crossSite) return crossSite;
  // A header no cross-site form can send: another site cannot sign people out.
  if (req.headers.get("x-inlet-action") !== "end-session") {
    return Response.json(
      { error: { code: "BAD_REQUEST", message: "missing x-inlet-action" } },
      { status: 400 },
    );
  }
  const token = await getToken({ req, secret: process.env.NEXTAUTH_SECRET });
  // No session here: nothing to end.
  if (!token) return new Response(null, { status: 204 });
  if (await endSessionAtApi(token, SESSION_MAX_AGE_SECONDS)) return new Response(null, { status: 204 });
  return Response.json(
    {
      error: {
        code: "UNAVAILABLE",
        message: "The Inlet API could not be reached, so the session could not be ended on the server.",
      },
    },
    { status: 503 },
  );
}

// Downloads a dead letter's whole payload through the console's origin, with the browser's session.

import type { NextRequest } from "next/server";
import { getToken } from "next-auth/jwt";
import { apiUrl } from "@/lib/server-env";

export async function GET(req: NextRequest, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await ctx.params;
  const token = await getToken({ req, secret: process.env.NEXTAUTH_SECRET, raw: true });
  if (!token) {
    return Response.json({ error: { code: "UNAUTHORIZED", message: "Sign in required" } }, { status: 401 });
  }
  let res: Response;
  try {
    res = await fetch(`${apiUrl()}/dead-letters/${encodeURIComponent(id)}/payload`, {
      headers: { authorization: `Bearer ${token}` },
      cache: "no-store",
    });
  } catch {
    return Response.json(
      { error: { code: "UNAVAILABLE", message: "The Inlet API could not be reached" } },
      { status: 503 },
    );
  }
  const headers = new Headers();
  for (const name of ["content-type", "content-disposition", "cache-control"]) {
    const value = res.headers.get(name);
    if (value) headers.set(name, value);
  }
  return new Response(res.body, { status: res.status, headers });
}

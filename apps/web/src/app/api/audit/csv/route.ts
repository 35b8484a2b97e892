// The audit log as CSV through the console's origin, with the browser's session: the Audit page's
// Export CSV link points here with its filters, and the API's stream is passed straight through
// (nothing is held in memory). Closing the download closes the request to the API.
import type { NextRequest } from "next/server";
import { getToken } from "next-auth/jwt";
import { apiUrl } from "@/lib/server-env";

const PASSED_HEADERS = ["content-type", "content-disposition", "cache-control"];

function refuse(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

export async function GET(req: NextRequest): Promise<Response> {
  const token = await getToken({ req, secret: process.env.NEXTAUTH_SECRET, raw: true });
  if (!token) return refuse(401, "UNAUTHORIZED", "Sign in required");
  let res: Response;
  try {
    // The filters go on as given; the API checks them and names any that are wrong.
    res = await fetch(`${apiUrl()}/v1/audit/csv${req.nextUrl.search}`, {
      headers: { authorization: `Bearer ${token}` },
      cache: "no-store",
      signal: req.signal,
    });
  } catch {
    return refuse(503, "UNAVAILABLE", "The Inlet API could not be reached");
  }
  const headers = new Headers();
  for (const name of PASSED_HEADERS) {
    const value = res.headers.get(name);
    if (value) headers.set(name, value);
  }
  return new Response(res.body, { status: res.status, headers });
}

// A query's whole result as CSV through the console's origin, with the browser's session: the Download
// CSV form posts here and the API's stream is passed straight through (nothing is held in memory).
// Closing the download closes the request to the API, which stops the query.
import type { NextRequest } from "next/server";
import { getToken } from "next-auth/jwt";
import { refuseCrossSite } from "@/lib/cross-site";
import { apiUrl } from "@/lib/server-env";

const PASSED_HEADERS = [
  "content-type",
  "content-disposition",
  "cache-control",
  "x-query-run-id",
  "x-row-count",
  "x-bytes-scanned",
  "x-cost-usd",
];

function refuse(status: number, code: string, message: string): Response {
  return Response.json({ error: { code, message } }, { status });
}

/** The form's fields as the API's JSON body: params arrive as a JSON text. */
function bodyOf(form: FormData): { body?: string; problem?: string } {
  const sql = form.get("sql");
  const params = form.get("params");
  const savedQueryId = form.get("savedQueryId");
  if (typeof sql !== "string" || sql.trim() === "") return { problem: "sql: write a query first" };
  let parsed: unknown;
  if (typeof params === "string" && params !== "") {
    try {
      parsed = JSON.parse(params);
    } catch {
      return { problem: "params: must be a JSON object of parameter values" };
    }
  }
  return {
    body: JSON.stringify({
      sql,
      ...(parsed === undefined ? {} : { params: parsed }),
      ...(typeof savedQueryId === "string" && savedQueryId !== "" ? { savedQueryId } : {}),
    }),
  };
}

export async function POST(req: NextRequest): Promise<Response> {
  // A form another site submits would arrive with the browser's cookie and run the query as them.
  const crossSite = refuseCrossSite(req);
  if (crossSite) return crossSite;
  const token = await getToken({ req, secret: process.env.NEXTAUTH_SECRET, raw: true });
  if (!token) return refuse(401, "UNAUTHORIZED", "Sign in required");
  let form: FormData;
  try {
    form = await req.formData();
  } catch {
    return refuse(400, "BAD_REQUEST", "Send the query as a form");
  }
  const { body, problem } = bodyOf(form);
  if (!body) return refuse(400, "BAD_REQUEST", problem ?? "Send the query as a form");
  let res: Response;
  try {
    res = await fetch(`${apiUrl()}/v1/queries/csv`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body,
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

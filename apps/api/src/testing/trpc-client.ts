// Calls the API's tRPC procedures in integration tests as a seeded user of a role, over HTTP as the
// console does (a query is a GET with its input in the URL, a mutation a POST; both in `{ json }`
// envelopes), and reads the answer: its data, or its error with the fields its issues name.
import type { Role } from "@inlet/db";
import type { TestServer } from "./test-server";

export type ProcedureKind = "query" | "mutation";

export interface FieldIssue {
  path: string;
  message: string;
}

/** What a test reads from a tRPC answer; data and error are read as JSON as the test asserts them. */
export interface TrpcAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads the answer's fields as it asserts them
  body: any;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  data: any;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  error: any;
  /** The error's message, or "" when there is none. */
  message: string;
  issues: FieldIssue[];
}

export async function authHeader(server: TestServer, role: Role): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await server.tokenFor(role)}` };
}

/** The URL of a query (GET) with its input. */
export function queryUrl(procedure: string, input: unknown): string {
  return `/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
}

/** The raw response to a query or mutation made as the role. */
export async function inject(
  server: TestServer,
  kind: ProcedureKind,
  procedure: string,
  input: unknown,
  role: Role,
) {
  const auth = await authHeader(server, role);
  return kind === "query"
    ? server.app.inject({ url: queryUrl(procedure, input), headers: auth })
    : server.app.inject({
        method: "POST",
        url: `/trpc/${procedure}`,
        headers: { ...auth, "content-type": "application/json" },
        payload: { json: input },
      });
}

/** A response read as a tRPC answer. */
export function answerOf(res: { statusCode: number; json(): unknown }): TrpcAnswer {
  // biome-ignore lint/suspicious/noExplicitAny: the answer is read as JSON
  const body = res.json() as any;
  const error = body?.error?.json;
  return {
    status: res.statusCode,
    body,
    data: body?.result?.data?.json,
    error,
    message: error?.message ?? "",
    issues: error?.data?.issues ?? [],
  };
}

/** Makes the call as the role and reads the answer. */
export async function call(
  server: TestServer,
  kind: ProcedureKind,
  procedure: string,
  input: unknown,
  role: Role,
): Promise<TrpcAnswer> {
  return answerOf(await inject(server, kind, procedure, input, role));
}

/** The fields a refused call's issues name, with their messages. */
export function issuesOf(res: { statusCode: number; json(): unknown }): FieldIssue[] {
  return answerOf(res).issues;
}

/** Waits (polling every 50 ms) until the check holds, failing after `ms`. */
export async function untilTrue(label: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

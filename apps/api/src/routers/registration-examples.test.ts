import { execFile } from "node:child_process";
import { createServer } from "node:net";
import { promisify } from "node:util";
import { compileEventValidator } from "@inlet/lake-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerIngestRoutes } from "../ingest/routes";
import { startTestServer, type TestServer } from "../testing/test-server";

const run = promisify(execFile);

let s: TestServer;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

beforeAll(async () => {
  // The ingest URL in the examples is the public one: this server listens there, so they run as shown.
  const port = await freePort();
  s = await startTestServer(
    { INLET_PUBLIC_API_URL: `http://127.0.0.1:${port}` },
    { register: (app, runtime) => registerIngestRoutes(app, runtime) },
  );
  await s.app.listen({ port, host: "127.0.0.1" });
});
afterAll(async () => {
  await s?.close();
});

const schema = {
  type: "object",
  properties: {
    order_id: { type: "string", format: "uuid" },
    amount: { type: "number", minimum: 0 },
    status: { type: "string", enum: ["paid", "refunded"] },
    placed_at: { type: "string", format: "date-time" },
    customer: {
      type: "object",
      properties: { email: { type: "string", format: "email" }, name: { type: "string" } },
      required: ["email"],
    },
    lines: { type: "array", items: { type: "object", properties: { sku: { type: "string" } } }, minItems: 1 },
  },
  required: ["order_id", "amount", "status", "placed_at", "customer", "lines"],
  additionalProperties: false,
};

interface Registered {
  ingestUrl: string;
  apiKey: { key: string };
  exampleEvent: Record<string, unknown>;
  examples: { curl: string; javascript: string; python: string };
}

async function register(input: Record<string, unknown>): Promise<Registered> {
  const res = await s.app.inject({
    method: "POST",
    url: "/trpc/sources.create",
    headers: { authorization: `Bearer ${await s.tokenFor("engineer")}`, "content-type": "application/json" },
    payload: { json: { name: "Orders", retentionDays: 30, ...input } },
  });
  expect(res.statusCode).toBe(200);
  return res.json().result.data.json;
}

/** What the ingest API answered each snippet, run exactly as shown. */
async function runSnippets(examples: Registered["examples"]): Promise<Record<string, string>> {
  const curl = await run("sh", ["-c", examples.curl]);
  const javascript = await run(process.execPath, ["--input-type=module", "-e", examples.javascript]);
  const python = await run("python3", ["-c", examples.python]).catch((err: { stderr?: string }) =>
    // Without the requests package the snippet cannot run here; that says nothing about the snippet.
    /No module named 'requests'/.test(err.stderr ?? "") ? { stdout: "skipped" } : Promise.reject(err),
  );
  return { curl: curl.stdout, javascript: javascript.stdout, python: python.stdout };
}

describe("sources.create examples", () => {
  it("returns an example event the schema accepts, and snippets that send it with the new key", async () => {
    const out = await register({
      slug: "orders-with-examples",
      schema,
      idField: "order_id",
      timeField: "placed_at",
    });
    expect(compileEventValidator(schema)(out.exampleEvent)).toBeUndefined();
    expect(out.examples.curl).toContain(`'Authorization: Bearer ${out.apiKey.key}'`);
    expect(out.examples.curl.startsWith(`curl '${out.ingestUrl}'`)).toBe(true);
    const answers = await runSnippets(out.examples);
    expect(JSON.parse(answers.curl!)).toMatchObject({ accepted: 1 });
    expect(answers.javascript).toMatch(/^202 \{\s*accepted: 1,\s*deadLettered: 0,\s*batchId: '[^']+'\s*\}/);
    if (answers.python !== "skipped")
      expect(answers.python).toMatch(/^202 \{'accepted': 1, 'deadLettered': 0, 'batchId': '[^']+'\}/);
  });

  it("gives a schemaless source a small example event its snippets send", async () => {
    const out = await register({
      slug: "schemaless-examples",
      schema: null,
      idField: "event.id",
      timeField: "ts",
    });
    expect(out.exampleEvent).toMatchObject({ event: { id: expect.any(String) }, ts: expect.any(String) });
    const answers = await runSnippets(out.examples);
    expect(JSON.parse(answers.curl!)).toMatchObject({ accepted: 1 });
  });
});

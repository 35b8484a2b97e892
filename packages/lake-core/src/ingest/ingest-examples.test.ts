import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ORDERS_SCHEMA } from "@inlet/db";
import { afterAll, describe, expect, it } from "vitest";
import { exampleEvent } from "../schema/example-event";
import { eventIdFrom, eventTimeFrom, getPath } from "./event-fields";
import { classifyIngestRequest } from "./ingest-body";
import { ingestExamples, shellQuote } from "./ingest-examples";

const url = "http://127.0.0.1:4000/v1/sources/orders/events";
const apiKey = "inlet_sk_test'key";

/** Events whose text is hard to quote: every kind of quote, shell and template syntax, escapes, Unicode. */
const hostile: Record<string, unknown> = JSON.parse(
  JSON.stringify({
    id: 'it\'s "quoted" `tick` $HOME \u0024{x} \\ back\\slash',
    time: "2026-03-14T15:09:26.535Z",
    text: "line one\nline two\ttab \u2028 \u0001 é 🚀",
    "key with 'quote'": [1, -0.5, 1e21, true, false, null, { nested: ["'", '"'] }],
    empty: {},
    none: [],
  }).replace(/^\{/, '{"__proto__":{"polluted":true},'),
);

/** What the curl command receives, parsed by a real POSIX shell with curl replaced by an echo of its arguments. */
function curlArguments(snippet: string): string[] {
  const out = execFileSync("sh", [
    "-c",
    `curl() { for a in "$@"; do printf '%s\\0' "$a"; done; }\n${snippet}`,
  ]);
  return out.toString("utf8").split("\0").slice(0, -1);
}

const work = mkdtempSync(join(tmpdir(), "ingest-examples-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const python = spawnSync("python3", ["--version"]).status === 0;

/** What requests.post receives when Python runs the snippet, with requests replaced by a recorder. */
function pythonRequest(snippet: string): { url: string; headers: Record<string, string>; data: string } {
  writeFileSync(
    join(work, "requests.py"),
    [
      "import json, os",
      "class _Response:",
      "    status_code = 202",
      "    def json(self):",
      "        return {}",
      "def post(url, headers=None, data=None):",
      "    with open(os.environ['RECORD'], 'w', encoding='utf-8') as f:",
      "        json.dump({'url': url, 'headers': headers, 'data': data}, f)",
      "    return _Response()",
    ].join("\n"),
  );
  const record = join(work, "request.json");
  execFileSync("python3", ["-c", snippet], { env: { ...process.env, PYTHONPATH: work, RECORD: record } });
  return JSON.parse(readFileSync(record, "utf8"));
}

async function javascriptRequest(snippet: string): Promise<{ url: string; init: RequestInit }> {
  let sent: { url: string; init: RequestInit } | undefined;
  const fetch = async (to: string, init: RequestInit) => {
    sent = { url: to, init };
    return { status: 202, json: async () => ({}) };
  };
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
    ...args: string[]
  ) => (...values: unknown[]) => Promise<void>;
  await new AsyncFunction("fetch", "console", snippet)(fetch, { log: () => undefined });
  if (!sent) throw new Error("the snippet sent nothing");
  return sent;
}

describe("ingestExamples", () => {
  const events = {
    hostile,
    "the seed's orders": exampleEvent(ORDERS_SCHEMA, { idField: "id", timeField: "created_at" }),
    schemaless: exampleEvent(null, { idField: "id", timeField: "time" }),
  };

  for (const [name, event] of Object.entries(events)) {
    it(`writes a curl command a POSIX shell reads back into the ${name} event`, () => {
      const args = curlArguments(ingestExamples({ url, apiKey, event }).curl);
      expect(args).toEqual([
        url,
        "-H",
        `Authorization: Bearer ${apiKey}`,
        "-H",
        "Content-Type: application/x-ndjson",
        "--data-binary",
        expect.any(String),
      ]);
      expect(JSON.parse(args[6]!)).toEqual(event);
    });

    it(`writes JavaScript that posts the ${name} event as one NDJSON line`, async () => {
      const { url: to, init } = await javascriptRequest(ingestExamples({ url, apiKey, event }).javascript);
      expect(to).toBe(url);
      expect(init.method).toBe("POST");
      expect(init.headers).toEqual({
        Authorization: `Bearer ${apiKey}`,
        "Content-Type": "application/x-ndjson",
      });
      const body = String(init.body);
      expect(body.endsWith("\n") && !body.slice(0, -1).includes("\n")).toBe(true);
      expect(JSON.parse(body)).toEqual(event);
    });

    it.runIf(python)(`writes Python that posts the ${name} event as one NDJSON line`, () => {
      const sent = pythonRequest(ingestExamples({ url, apiKey, event }).python);
      expect(sent.url).toBe(url);
      expect(sent.headers).toEqual({
        Authorization: `Bearer ${apiKey}`,
        "Content-Type": "application/x-ndjson",
      });
      expect(sent.data.endsWith("\n") && !sent.data.slice(0, -1).includes("\n")).toBe(true);
      expect(JSON.parse(sent.data)).toEqual(event);
    });
  }

  it("uses the content type the ingest API takes for plain JSON events", () => {
    expect(classifyIngestRequest("application/x-ndjson", undefined, {})).toMatchObject({ ok: true });
    expect(classifyIngestRequest("application/json", undefined, {})).toMatchObject({
      ok: false,
      status: 415,
    });
  });

  it("quotes a shell word so that nothing in it is expanded", () => {
    expect(Object.hasOwn(hostile, "__proto__")).toBe(true);
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(curlArguments(`curl ${shellQuote("$(id) `id` it's \\ \n")}`)).toEqual(["$(id) `id` it's \\ \n"]);
  });

  it("gives examples whose id and time the ingest stage reads as the event's id and time", () => {
    const event = exampleEvent(
      {
        type: "object",
        properties: {
          meta: { type: "object", properties: { id: { type: "integer" } } },
          at: { type: "string" },
        },
      },
      { idField: "meta.id", timeField: "at" },
    );
    expect(eventIdFrom(getPath(event, "meta.id"))).toMatch(/^\d+$/);
    expect(Math.abs(Date.now() - (eventTimeFrom(getPath(event, "at"))?.getTime() ?? 0))).toBeLessThan(60_000);
  });
});

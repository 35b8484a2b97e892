// The bench's producer side: splits the generated NDJSON file into request bodies without copying
// them, and posts them over keep-alive connections with node:http. The load generator shares
// the machine's cores with what it measures, so it must cost little: Node's fetch streams a Buffer
// body through web streams and spent about 3.7 µs of CPU per 1-KB event here, node:http 0.3 µs.

import { readFile } from "node:fs/promises";
import { Agent, request } from "node:http";

/**
 * The file as request bodies of `linesPerBody` lines each (the last may be shorter): views into one
 * buffer holding the whole file, split before the clock starts, as a producer holds its events in
 * memory. Needs about as much memory as the file (1 GB for the default million events).
 */
export async function ndjsonBodies(path: string, linesPerBody: number): Promise<Buffer[]> {
  const buf = await readFile(path);
  const bodies: Buffer[] = [];
  let start = 0;
  let lines = 0;
  for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) {
    lines += 1;
    if (lines === linesPerBody) {
      bodies.push(buf.subarray(start, i + 1));
      start = i + 1;
      lines = 0;
    }
  }
  if (start < buf.length) bodies.push(buf.subarray(start));
  return bodies;
}

export interface PostResult {
  status: number;
  body: string;
  /** The Retry-After header in seconds, when the answer has one (429, 503). */
  retryAfterSeconds?: number | undefined;
}

/** Posts bodies to one URL over at most `connections` keep-alive connections. */
export class NdjsonPoster {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(
    url: string,
    private readonly headers: Record<string, string>,
    connections: number,
  ) {
    this.url = new URL(url);
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  post(body: Buffer): Promise<PostResult> {
    return new Promise((resolve, reject) => {
      const req = request(
        this.url,
        {
          method: "POST",
          agent: this.agent,
          headers: { ...this.headers, "content-length": String(body.length) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const retryAfter = Number(res.headers["retry-after"]);
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString(),
              retryAfterSeconds: Number.isFinite(retryAfter) ? retryAfter : undefined,
            });
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

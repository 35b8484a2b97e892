import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger";

describe("the logger", () => {
  it("drops credentials wherever a log line carries them", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger("trace", "api", sink);
    logger.info(
      {
        req: {
          url: "/v1/sources/orders/events",
          headers: { authorization: "Bearer ik_secret1", "x-api-key": "ik_secret2" },
        },
        upstream: {
          headers: {
            authorization: "Basic c2VjcmV0Mw==",
            cookie: "session=secret4",
            "set-cookie": "s=secret5",
          },
        },
        apiKey: "ik_secret6",
        source: { apiKey: "ik_secret7", slug: "orders" },
        secret: "secret8",
        config: { secret: "secret9" },
        token: "secret10",
        sns: { token: "secret11" },
        password: "secret12",
        user: { password: "secret13", email: "a@example.com" },
      },
      "request",
    );
    const out = lines.join("");
    expect(out).not.toMatch(/secret\d|c2VjcmV0Mw/);
    // What is not a credential stays.
    expect(out).toContain("/v1/sources/orders/events");
    expect(out).toContain('"slug":"orders"');
    expect(out).toContain("a@example.com");
  });
});

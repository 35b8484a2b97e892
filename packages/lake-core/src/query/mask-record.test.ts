import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { TableAccess } from "../ports/access-policy";
import { HIDDEN_PAYLOAD, maskPayload, maskRecord } from "./mask-record";

const key = Buffer.from("k".repeat(20));
const access: TableAccess = {
  roles: [
    {
      role: "oncall",
      rowFilter: "region = 'eu'",
      columns: {
        email: { action: "mask", mask: { style: "full" } },
        card_number: { action: "deny" },
        ssn: { action: "mask", mask: { style: "last", keep: 4 } },
        user_id: { action: "hash" },
        "profile.phone": { action: "mask", mask: { style: "fixed", replacement: "n/a" } },
        amount: { action: "allow" },
      },
    },
  ],
};

describe("maskPayload", () => {
  it("matches a CloudEvent's data fields to the columns by name and path, row filters aside", () => {
    const payload = JSON.stringify({
      specversion: "1.0",
      id: "e1",
      data: {
        Email: "a@b.c",
        card_number: "4111",
        ssn: "123-45-6789",
        user_id: 42,
        amount: 5,
        profile: { phone: "+33", city: "Lyon" },
        extra: "kept",
      },
    });
    const out = JSON.parse(maskPayload(payload, access, key));
    expect(out.data).toEqual({
      Email: "****",
      ssn: "****6789",
      user_id: createHmac("sha256", key).update("42").digest("hex"),
      amount: 5,
      profile: { phone: "n/a", city: "Lyon" },
      extra: "kept",
    });
    expect(out.id).toBe("e1");
  });

  it("masks each event of a batch and each NDJSON line; hides what is not JSON", () => {
    expect(JSON.parse(maskPayload(JSON.stringify([{ email: "x" }, { email: null }]), access, key))).toEqual([
      { email: "****" },
      { email: null },
    ]);
    expect(maskPayload('{"email":"x"}\n{"email":"y"}', access, key)).toBe(
      '{"email":"****"}\n{"email":"****"}',
    );
    expect(maskPayload('{"email": "a@b.c", broken', access, key)).toBe(HIDDEN_PAYLOAD);
  });

  it("leaves a record alone when nothing restricts the reader", () => {
    expect(maskRecord({ email: "a" }, undefined, key)).toEqual({ email: "a" });
  });
});

import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { TableAccess } from "../ports/access-policy";
import {
  HIDDEN_PAYLOAD,
  maskPayload,
  maskRecord,
  readablePartition,
  readableReason,
  rowsFiltered,
} from "./mask-record";

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

describe("readablePartition", () => {
  it("masks the value of a partition column the reader's rules do not show as is", () => {
    expect(readablePartition("dt=2026-12-05/card_number=4111", access)).toBe(
      "dt=2026-12-05/card_number=****",
    );
    expect(readablePartition("dt=2026-12-05/Email=a%40b.c", access)).toBe("dt=2026-12-05/Email=****");
    expect(readablePartition("dt=2026-12-05/user_id=u1", access)).toBe("dt=2026-12-05/user_id=****");
    expect(readablePartition("dt=2026-12-05/amount=3", access)).toBe("dt=2026-12-05/amount=3");
    expect(readablePartition("dt=2026-12-05/tier=vip", undefined)).toBe("dt=2026-12-05/tier=vip");
  });

  it("tells whether a row filter hides rows: only when no role of the reader sees every row", () => {
    expect(rowsFiltered(access)).toBe(true);
    expect(
      rowsFiltered({ roles: [...access.roles, { role: "engineer", rowFilter: null, columns: {} }] }),
    ).toBe(false);
    expect(rowsFiltered(undefined)).toBe(false);
  });
});

describe("readableReason", () => {
  it("leaves out the quoted value of a column the reader's rules hide, at its path or within it", () => {
    const reason = '/email: must be an email address, got "x SECRET"';
    expect(readableReason(reason, "/email", access)).toBe(
      "/email: must be an email address, got a value the column rules of your role hide",
    );
    expect(readableReason("/profile/phone: must be a string, got 5", "/profile/phone", access)).toMatch(
      /got a value the column rules of your role hide$/,
    );
    // The object holding a hidden field is hidden as a whole.
    expect(readableReason('/profile: must be an object, got "p SECRET"', "/profile", access)).not.toContain(
      "SECRET",
    );
    // A CloudEvent's path into data.
    expect(readableReason(reason, "/data/email", access)).not.toContain("SECRET");
    expect(readableReason('/amount: must be a number, got "3"', "/amount", access)).toContain('"3"');
    expect(readableReason(reason, "/email", undefined)).toBe(reason);
  });
});

describe("readableReason without a path", () => {
  it("leaves out what a reason quotes for a reader any column rule restricts", () => {
    const reason = `line 2: Unexpected token 'x', "{"email":"a@x.com"}" is not valid JSON`;
    expect(readableReason(reason, null, access)).toBe(`line 2: Unexpected token 'x', "…" is not valid JSON`);
    expect(readableReason(reason, null, access)).not.toContain("a@x.com");
    const duck = "CSV Error on Line: 2\nOriginal Line: f-1,a@x.com,Fran?e\nInvalid unicode";
    expect(readableReason(duck, null, access)).not.toContain("a@x.com");
    const open: TableAccess = {
      roles: [{ role: "engineer", rowFilter: null, columns: { email: { action: "allow" } } }],
    };
    expect(readableReason(reason, null, open)).toBe(reason);
  });
});

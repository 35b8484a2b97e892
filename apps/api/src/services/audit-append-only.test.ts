// The audit log is append-only in the database itself: through the application's own connections
// (Prisma and the pg pool) an entry can be recorded, never changed, deleted or truncated away.
import { createTestDatabase, type TestDatabase } from "@inlet/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditService } from "./audit";

let database: TestDatabase;
let audit: AuditService;

beforeAll(async () => {
  database = await createTestDatabase();
  audit = new AuditService(database.db);
});
afterAll(async () => {
  await database?.drop();
});

async function recordOne(actor: { id: string | null; email: string } = { id: null, email: "a@inlet.local" }) {
  await audit.record(actor, { action: "test.append", targetType: "test", targetId: "t1", details: { n: 1 } });
  const row = await database.db.prisma.auditLog.findFirstOrThrow({ orderBy: { id: "desc" } });
  return row;
}

async function count(): Promise<number> {
  return database.db.prisma.auditLog.count();
}

describe("audit_log", () => {
  it("takes new entries", async () => {
    const before = await count();
    const row = await recordOne();
    expect(row.action).toBe("test.append");
    const { rows } = await database.db.pool.query(
      `INSERT INTO audit_log (actor_email, action, target_type) VALUES ('b@inlet.local', 'test.sql', 'test') RETURNING id`,
    );
    expect(rows).toHaveLength(1);
    expect(await count()).toBe(before + 2);
  });

  it("refuses UPDATE through Prisma and SQL", async () => {
    const row = await recordOne();
    await expect(
      database.db.prisma.auditLog.update({ where: { id: row.id }, data: { action: "test.rewritten" } }),
    ).rejects.toThrow(/audit_log is append-only: UPDATE is not allowed/);
    await expect(database.db.prisma.auditLog.updateMany({ data: { details: { n: 2 } } })).rejects.toThrow(
      /append-only/,
    );
    await expect(
      database.db.pool.query("UPDATE audit_log SET actor_email = 'someone-else@inlet.local' WHERE id = $1", [
        row.id,
      ]),
    ).rejects.toThrow(/audit_log is append-only: UPDATE is not allowed/);
    const after = await database.db.prisma.auditLog.findUniqueOrThrow({ where: { id: row.id } });
    expect(after).toEqual(row);
  });

  it("refuses DELETE through Prisma and SQL", async () => {
    const row = await recordOne();
    const before = await count();
    await expect(database.db.prisma.auditLog.delete({ where: { id: row.id } })).rejects.toThrow(
      /audit_log is append-only: DELETE is not allowed/,
    );
    await expect(database.db.prisma.auditLog.deleteMany({})).rejects.toThrow(/append-only/);
    await expect(database.db.pool.query("DELETE FROM audit_log")).rejects.toThrow(
      /audit_log is append-only: DELETE is not allowed/,
    );
    expect(await count()).toBe(before);
  });

  it("refuses TRUNCATE", async () => {
    await recordOne();
    const before = await count();
    await expect(database.db.pool.query("TRUNCATE audit_log")).rejects.toThrow(
      /audit_log is append-only: TRUNCATE is not allowed/,
    );
    await expect(database.db.prisma.$executeRawUnsafe("TRUNCATE TABLE audit_log CASCADE")).rejects.toThrow(
      /append-only/,
    );
    expect(await count()).toBe(before);
  });

  it("keeps a deleted user's entries, with the actor's email, when the foreign key clears actor_id", async () => {
    const user = await database.db.prisma.user.create({
      data: { email: "leaver@inlet.local", name: "Leaver", roles: ["analyst"] },
    });
    const row = await recordOne({ id: user.id, email: user.email });
    expect(row.actorId).toBe(user.id);
    // Clearing actor_id by hand is refused like any other change …
    await expect(
      database.db.pool.query("UPDATE audit_log SET actor_id = NULL WHERE id = $1", [row.id]),
    ).rejects.toThrow(/append-only/);
    // … but deleting the user (ON DELETE SET NULL) goes through and the entry stays whole.
    await database.db.prisma.user.delete({ where: { id: user.id } });
    const after = await database.db.prisma.auditLog.findUniqueOrThrow({ where: { id: row.id } });
    expect(after).toEqual({ ...row, actorId: null });
  });
});

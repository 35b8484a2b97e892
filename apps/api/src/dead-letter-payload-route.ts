// A dead letter's whole payload as a file: the console shows the first million characters, and a
// malformed body of several megabytes is worth fixing in an editor.
import type { Db } from "@inlet/db";
import type { FastifyInstance } from "fastify";
import { refuseUnlessRole } from "./auth/role-check";
import { type SessionVerifier, sessionTokenFrom } from "./auth/session";
import { deadLetterReaders } from "./routers/dead-letters";
import type { AuditService } from "./services/audit";

export interface DeadLetterPayloadRouteDeps {
  db: Db;
  sessions: SessionVerifier;
  audit: AuditService;
}

export function registerDeadLetterPayloadRoute(
  app: FastifyInstance,
  { db, sessions, audit }: DeadLetterPayloadRouteDeps,
): void {
  app.get<{ Params: { id: string } }>("/dead-letters/:id/payload", async (req, reply) => {
    const session = await sessions.verify(sessionTokenFrom(req.headers));
    if (!session.ok) {
      return reply.status(401).send({ error: { code: "UNAUTHORIZED", message: "Sign in required" } });
    }
    const refused = await refuseUnlessRole(
      audit,
      session.actor,
      deadLetterReaders,
      { targetType: "route", targetId: "GET /dead-letters/:id/payload" },
      String(req.id),
    );
    if (refused) return reply.status(403).send({ error: { code: "FORBIDDEN", message: refused } });
    const letter = await readDeadLetterPayload(db, req.params.id);
    if (!letter) {
      return reply
        .status(404)
        .send({ error: { code: "NOT_FOUND", message: `No dead letter with id '${req.params.id}'` } });
    }
    return reply
      .header("content-type", "text/plain; charset=utf-8")
      .header(
        "content-disposition",
        `attachment; filename="dead-letter-${letter.id.replace(/[^\w.-]/g, "_")}.txt"`,
      )
      .header("cache-control", "no-store")
      .send(letter.payload);
  });
}

async function readDeadLetterPayload(
  db: Db,
  id: string,
): Promise<{ id: string; payload: string } | undefined> {
  const letter = await db.prisma.deadLetter.findUnique({
    where: { id },
    select: { id: true, payload: true },
  });
  return letter ?? undefined;
}

// A dead letter's whole payload as a file: the console shows the first million characters, and a
// malformed body of several megabytes is worth fixing in an editor.
import { isInletError } from "@inlet/lake-core";
import type { FastifyInstance } from "fastify";
import { refuseUnlessRole } from "./auth/role-check";
import { type SessionVerifier, sessionTokenFrom } from "./auth/session";
import { deadLetterReaders } from "./routers/dead-letters";
import type { AuditService } from "./services/audit";
import type { DeadLettersService } from "./services/dead-letters";

export interface DeadLetterPayloadRouteDeps {
  deadLetters: DeadLettersService;
  sessions: SessionVerifier;
  audit: AuditService;
}

export function registerDeadLetterPayloadRoute(
  app: FastifyInstance,
  { deadLetters, sessions, audit }: DeadLetterPayloadRouteDeps,
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
    const letter = await deadLetters.payload(session.actor, req.params.id).catch((err: unknown) => {
      if (isInletError(err) && err.code === "NOT_FOUND") return undefined;
      throw err;
    });
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

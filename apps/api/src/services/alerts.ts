// Alerts for people: the effective rules (defaults and overrides), setting and clearing an override,
// the firing alerts (the console's banner), the history of episodes, and acknowledging one. Every
// change is audited.
import type { Db, Prisma } from "@inlet/db";
import { type Catalog, InletError } from "@inlet/lake-core";
import type { Actor } from "../auth/session";
import type { AlertEvaluator, AlertEvaluatorStatus } from "./alert-evaluator";
import { ALERT_QUEUES } from "./alert-figures";
import {
  ALERT_KIND_INFO,
  ALERT_KINDS,
  ALL_SUBJECTS,
  type AlertKind,
  type EffectiveRule,
  effectiveRule,
  type RuleInput,
} from "./alert-rules";
import type { AuditService } from "./audit";

export interface RuleRow extends EffectiveRule {
  /** The source's slug or the queue's name; "All sources" / "All queues" for the "*" row. */
  subjectName: string;
  label: string;
  unit: string;
  direction: "above" | "below";
  describe: string;
}

export interface HistoryInput {
  kind?: AlertKind | undefined;
  /** A source id or slug, or a queue name. */
  subject?: string | undefined;
  state?: "open" | "resolved" | undefined;
  cursor?: string | undefined;
  limit: number;
}

const EVENT_SELECT = {
  id: true,
  kind: true,
  subjectType: true,
  subjectId: true,
  subjectName: true,
  threshold: true,
  value: true,
  lastValue: true,
  message: true,
  firedAt: true,
  acknowledgedByEmail: true,
  acknowledgedAt: true,
  resolvedAt: true,
  resolvedValue: true,
} satisfies Prisma.AlertEventSelect;

/** An episode with its kind's label and unit, as people read it. */
function withLabel<T extends { kind: string }>(row: T): T & { label: string; unit: string } {
  const info = (ALERT_KIND_INFO as Record<string, (typeof ALERT_KIND_INFO)[AlertKind] | undefined>)[row.kind];
  return { ...row, label: info?.label ?? row.kind, unit: info?.unit ?? "" };
}

export class AlertsService {
  private evaluator: Pick<AlertEvaluator, "status"> | undefined;

  constructor(
    private readonly db: Db,
    private readonly catalog: Pick<Catalog, "listSources">,
    private readonly audit: AuditService,
  ) {}

  /** The evaluator this process runs, whose status evaluation() reports. */
  watch(evaluator: Pick<AlertEvaluator, "status">): void {
    this.evaluator = evaluator;
  }

  /** Whether alerts are evaluated, as this API process sees it; `running: false` when evaluation is off here. */
  evaluation(): { running: false } | ({ running: true } & AlertEvaluatorStatus) {
    return this.evaluator ? { running: true, ...this.evaluator.status() } : { running: false };
  }

  /** Every kind's "*" row, then each queue's and each source's rules, as they apply now. */
  async rules(): Promise<RuleRow[]> {
    const stored = await this.db.prisma.alertRule.findMany();
    const sources = await this.catalog.listSources();
    const rows: RuleRow[] = [];
    const add = (kind: AlertKind, subject: string, subjectName: string) => {
      const info = ALERT_KIND_INFO[kind];
      rows.push({
        ...effectiveRule(kind, subject, stored),
        subjectName,
        label: info.label,
        unit: info.unit,
        direction: info.direction,
        describe: info.describe,
      });
    };
    for (const kind of ALERT_KINDS)
      add(kind, ALL_SUBJECTS, ALERT_KIND_INFO[kind].subjectType === "queue" ? "All queues" : "All sources");
    for (const kind of ALERT_KINDS) {
      if (ALERT_KIND_INFO[kind].subjectType === "queue") for (const q of ALERT_QUEUES) add(kind, q, q);
    }
    for (const s of [...sources].sort((a, b) => a.slug.localeCompare(b.slug)))
      for (const kind of ALERT_KINDS)
        if (ALERT_KIND_INFO[kind].subjectType === "source") add(kind, s.id, s.slug);
    return rows;
  }

  private async subjectName(kind: AlertKind, subject: string): Promise<string> {
    if (subject === ALL_SUBJECTS) return subject;
    if (ALERT_KIND_INFO[kind].subjectType === "queue") {
      if (!(ALERT_QUEUES as readonly string[]).includes(subject))
        throw new InletError(
          "NOT_FOUND",
          `No queue named '${subject}' (queues: ${ALERT_QUEUES.join(", ")})`,
          {
            field: "subject",
          },
        );
      return subject;
    }
    const source = (await this.catalog.listSources()).find((s) => s.id === subject);
    if (!source) throw new InletError("NOT_FOUND", `No source with id '${subject}'`, { field: "subject" });
    return source.slug;
  }

  /** Overrides the rule of `kind` for one subject or, with "*", for every subject without its own. */
  async setRule(actor: Actor, input: RuleInput, requestId?: string): Promise<RuleRow> {
    const name = await this.subjectName(input.kind, input.subject);
    await this.db.prisma.$transaction(async (tx) => {
      const before = await tx.alertRule.findUnique({
        where: { kind_subject: { kind: input.kind, subject: input.subject } },
      });
      const data = {
        threshold: input.threshold,
        windowMinutes: input.windowMinutes,
        enabled: input.enabled,
        updatedByEmail: actor.email,
        updatedAt: new Date(),
      };
      await tx.alertRule.upsert({
        where: { kind_subject: { kind: input.kind, subject: input.subject } },
        create: { kind: input.kind, subject: input.subject, ...data },
        update: data,
      });
      await this.audit.record(
        actor,
        {
          action: "alert_rule.set",
          targetType: "alert_rule",
          targetId: `${input.kind}:${input.subject}`,
          details: {
            kind: input.kind,
            subject: name,
            before: before
              ? { threshold: before.threshold, windowMinutes: before.windowMinutes, enabled: before.enabled }
              : null,
            after: { threshold: input.threshold, windowMinutes: input.windowMinutes, enabled: input.enabled },
          },
        },
        requestId,
        tx,
      );
    });
    const row = (await this.rules()).find((r) => r.kind === input.kind && r.subject === input.subject);
    if (!row) throw new InletError("INTERNAL", "The rule just set was not found");
    return row;
  }

  /** Removes an override: the subject falls back to the kind's "*" override or the built-in default. */
  async clearRule(
    actor: Actor,
    input: { kind: AlertKind; subject: string },
    requestId?: string,
  ): Promise<void> {
    await this.db.prisma.$transaction(async (tx) => {
      const n = await tx.alertRule.deleteMany({ where: { kind: input.kind, subject: input.subject } });
      if (n.count === 0)
        throw new InletError("NOT_FOUND", "That rule has no override to clear; it already uses the default");
      await this.audit.record(
        actor,
        {
          action: "alert_rule.clear",
          targetType: "alert_rule",
          targetId: `${input.kind}:${input.subject}`,
          details: { kind: input.kind, subject: input.subject },
        },
        requestId,
        tx,
      );
    });
  }

  /** Alerts firing now, newest first (the console's banner and the alerts page). */
  async active() {
    const rows = await this.db.prisma.alertEvent.findMany({
      where: { resolvedAt: null },
      orderBy: [{ firedAt: "desc" }, { id: "desc" }],
      select: EVENT_SELECT,
      take: 500,
    });
    return rows.map(withLabel);
  }

  /** Episodes, newest first, a page at a time. */
  async history(input: HistoryInput) {
    const where: Prisma.AlertEventWhereInput = {};
    if (input.kind) where.kind = input.kind;
    if (input.subject) where.OR = [{ subjectId: input.subject }, { subjectName: input.subject }];
    if (input.state === "open") where.resolvedAt = null;
    if (input.state === "resolved") where.resolvedAt = { not: null };
    const rows = await this.db.prisma.alertEvent.findMany({
      where,
      orderBy: [{ firedAt: "desc" }, { id: "desc" }],
      select: EVENT_SELECT,
      take: input.limit + 1,
      ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
    });
    const more = rows.length > input.limit;
    const items = more ? rows.slice(0, input.limit) : rows;
    return { items: items.map(withLabel), nextCursor: more ? (items.at(-1)?.id ?? null) : null };
  }

  /** Marks an open alert as being handled by the actor (once; a second acknowledgement is refused). */
  async acknowledge(actor: Actor, id: string, requestId?: string) {
    return this.db.prisma.$transaction(async (tx) => {
      const event = await tx.alertEvent.findUnique({ where: { id } });
      if (!event) throw new InletError("NOT_FOUND", `No alert with id '${id}'`, { field: "id" });
      if (event.acknowledgedAt)
        throw new InletError(
          "CONFLICT",
          `This alert was already acknowledged by ${event.acknowledgedByEmail ?? "someone"} at ${event.acknowledgedAt.toISOString()}`,
        );
      const updated = await tx.alertEvent.update({
        where: { id },
        data: { acknowledgedAt: new Date(), acknowledgedById: actor.id, acknowledgedByEmail: actor.email },
        select: EVENT_SELECT,
      });
      await this.audit.record(
        actor,
        {
          action: "alert.acknowledge",
          targetType: "alert",
          targetId: id,
          details: { kind: event.kind, subject: event.subjectName, resolved: event.resolvedAt !== null },
        },
        requestId,
        tx,
      );
      return updated;
    });
  }
}

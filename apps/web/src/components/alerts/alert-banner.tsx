"use client";
// The banner at the top of the console while alerts fire, for the people who may open the Alerts page
// (on-call, engineers, admins): how many fire, the newest one's sentence, and a link to the page.
import { useQuery } from "@tanstack/react-query";
import { BellRing } from "lucide-react";
import Link from "next/link";
import { useTRPC } from "@/lib/trpc";

/** How often the banner asks for the firing alerts (the API judges them every 30 s). */
const REFRESH_MS = 15_000;

/** Of the firing alerts, which are acknowledged, when some are: "all acknowledged", "2 not acknowledged". */
export function acknowledgedText(firing: number, unacknowledged: number): string {
  if (unacknowledged === 0) return firing === 1 ? "acknowledged" : "all acknowledged";
  return `${unacknowledged} not acknowledged`;
}

export function AlertBanner() {
  const trpc = useTRPC();
  const me = useQuery(trpc.me.queryOptions());
  const mayRead = me.data?.sections.includes("alerts") ?? false;
  const active = useQuery(
    trpc.alerts.active.queryOptions(undefined, { enabled: mayRead, refetchInterval: REFRESH_MS }),
  );
  const alerts = active.data ?? [];
  if (!mayRead || alerts.length === 0) return null;
  const unacknowledged = alerts.filter((a) => a.acknowledgedAt === null).length;
  const newest = alerts[0];
  return (
    <section
      aria-label="Firing alerts"
      data-testid="alert-banner"
      className="flex flex-wrap items-center gap-x-3 gap-y-1 border-red-200 border-b bg-red-50 px-4 py-2 text-red-900 text-sm sm:px-6"
    >
      <BellRing aria-hidden="true" className="size-4 shrink-0 text-red-600" />
      <p className="min-w-0 flex-1">
        <span className="font-semibold" data-testid="alert-banner-count">
          {alerts.length === 1 ? "1 alert firing" : `${alerts.length} alerts firing`}
        </span>
        {unacknowledged < alerts.length ? (
          <span className="text-red-800"> ({acknowledgedText(alerts.length, unacknowledged)})</span>
        ) : null}
        {newest ? <span className="text-red-800">: {newest.message}</span> : null}
      </p>
      <Link
        href="/alerts"
        data-testid="alert-banner-link"
        className="shrink-0 rounded-md font-medium text-red-700 underline underline-offset-2 hover:text-red-900 focus:outline-none focus:ring-2 focus:ring-red-500/40"
      >
        View alerts
      </Link>
    </section>
  );
}

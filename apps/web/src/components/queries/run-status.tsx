"use client";
// While a query runs: how long it has been running, ticking every second, announced politely.
import { useEffect, useState } from "react";
import { Spinner } from "@/components/ui/spinner";
import { formatDuration } from "@/lib/format";

export function RunningFor({ since, cancelling }: { since: number; cancelling: boolean }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return (
    <span role="status" className="inline-flex items-center gap-1.5 text-gray-600 text-sm">
      <Spinner className="size-3.5" />
      {cancelling ? "Cancelling…" : `Running for ${formatDuration(Math.max(0, now - since))}`}
    </span>
  );
}

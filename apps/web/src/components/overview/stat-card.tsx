// One headline number on the Overview, with its label and a line of context.
import { clsx } from "clsx";
import type { LucideIcon } from "lucide-react";
import type { ReactNode } from "react";
import { Skeleton } from "@/components/ui/skeleton";

export function StatCard({
  label,
  value,
  hint,
  icon: Icon,
  tone = "neutral",
  className,
}: {
  label: string;
  value: ReactNode;
  hint?: ReactNode;
  icon: LucideIcon;
  tone?: "neutral" | "warning";
  className?: string;
}) {
  return (
    <div
      className={clsx("rounded-lg border border-gray-200 bg-white px-4 py-4 shadow-xs sm:px-5", className)}
    >
      <dt className="flex items-center gap-2 font-medium text-gray-500 text-xs">
        <Icon
          aria-hidden="true"
          className={clsx("size-3.5", tone === "warning" ? "text-amber-500" : "text-gray-400")}
        />
        {label}
      </dt>
      <dd
        className={clsx(
          "mt-2 font-semibold text-2xl tabular-nums tracking-tight",
          tone === "warning" ? "text-amber-700" : "text-gray-900",
        )}
      >
        {value}
      </dd>
      {hint ? <dd className="mt-1 text-gray-500 text-xs">{hint}</dd> : null}
    </div>
  );
}

export function StatCardSkeleton({ className }: { className?: string }) {
  return (
    <div
      className={clsx("rounded-lg border border-gray-200 bg-white px-4 py-4 shadow-xs sm:px-5", className)}
    >
      <Skeleton className="h-3 w-20" />
      <Skeleton className="mt-3 h-7 w-16" />
      <Skeleton className="mt-2 h-3 w-24" />
    </div>
  );
}

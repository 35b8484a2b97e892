// What a list shows when there is nothing in it yet: an icon, a sentence on why, and what to do next.
import { clsx } from "clsx";
import type { LucideIcon } from "lucide-react";
import type { ReactNode } from "react";

export function EmptyState({
  icon: Icon,
  title,
  description,
  action,
  className,
}: {
  icon: LucideIcon;
  title: string;
  description?: ReactNode;
  action?: ReactNode;
  className?: string;
}) {
  return (
    <div className={clsx("flex flex-col items-center justify-center px-6 py-14 text-center", className)}>
      <div className="flex size-11 items-center justify-center rounded-full bg-gray-100 text-gray-500 ring-8 ring-gray-50">
        <Icon aria-hidden="true" className="size-5" />
      </div>
      <h3 className="mt-4 font-semibold text-gray-900 text-sm">{title}</h3>
      {description ? <p className="mt-1 max-w-sm text-gray-500 text-sm">{description}</p> : null}
      {action ? <div className="mt-5">{action}</div> : null}
    </div>
  );
}

// Surfaces that group content: a bordered white card with optional header and body padding.
import { clsx } from "clsx";
import type { ComponentProps, HTMLAttributes, ReactNode } from "react";

export function Card({ className, ...props }: ComponentProps<"div">) {
  return (
    <div className={clsx("rounded-lg border border-gray-200 bg-white shadow-xs", className)} {...props} />
  );
}

export function CardHeader({
  title,
  description,
  actions,
  className,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  className?: string;
}) {
  return (
    <div
      className={clsx("flex items-start justify-between gap-4 border-b border-gray-100 px-5 py-4", className)}
    >
      <div className="min-w-0">
        <h2 className="font-semibold text-gray-900 text-sm">{title}</h2>
        {description ? <p className="mt-0.5 text-gray-500 text-xs">{description}</p> : null}
      </div>
      {actions ? <div className="flex shrink-0 items-center gap-2">{actions}</div> : null}
    </div>
  );
}

export function CardBody({ className, ...props }: HTMLAttributes<HTMLDivElement>) {
  return <div className={clsx("px-5 py-4", className)} {...props} />;
}

// Placeholder blocks shown while data loads, sized like what will replace them.
import { clsx } from "clsx";

export function Skeleton({ className }: { className?: string }) {
  return <div aria-hidden="true" className={clsx("animate-pulse rounded-md bg-gray-200/80", className)} />;
}

// The Inlet mark and wordmark.
import { clsx } from "clsx";

export function InletMark({ className }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" aria-hidden="true" className={clsx("size-7 shrink-0", className)}>
      <rect width="32" height="32" rx="8" className="fill-accent-600" />
      <path
        d="M7 12.5c3 0 3-2.5 6-2.5s3 2.5 6 2.5 3-2.5 6-2.5M7 17.5c3 0 3-2.5 6-2.5s3 2.5 6 2.5 3-2.5 6-2.5M7 22.5c3 0 3-2.5 6-2.5s3 2.5 6 2.5 3-2.5 6-2.5"
        fill="none"
        stroke="white"
        strokeWidth="2"
        strokeLinecap="round"
      />
    </svg>
  );
}

export function InletWordmark({ className }: { className?: string }) {
  return (
    <span className={clsx("inline-flex items-center gap-2.5", className)}>
      <InletMark />
      <span className="font-semibold text-[17px] text-gray-900 tracking-tight">Inlet</span>
    </span>
  );
}

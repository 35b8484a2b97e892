// The wizard's steps in order: done ones can be revisited, the current one is marked for assistive
// technology (aria-current="step"), later ones are reached with Next.
import { clsx } from "clsx";
import { Check } from "lucide-react";
import { STEPS } from "./wizard-model";

export function StepList({ current, onSelect }: { current: number; onSelect: (index: number) => void }) {
  return (
    <nav aria-label="Steps">
      <ol className="space-y-1">
        {STEPS.map((step, i) => {
          const done = i < current;
          const marker = (
            <span
              className={clsx(
                "flex size-6 shrink-0 items-center justify-center rounded-full font-medium text-xs",
                done
                  ? "bg-accent-600 text-white"
                  : i === current
                    ? "border-2 border-accent-600 text-accent-700"
                    : "border border-gray-300 text-gray-500",
              )}
              aria-hidden="true"
            >
              {done ? <Check className="size-3.5" /> : i + 1}
            </span>
          );
          const label = (
            <span className={clsx("text-sm", i === current ? "font-medium text-gray-900" : "text-gray-600")}>
              {step.title}
            </span>
          );
          return (
            <li key={step.id} aria-current={i === current ? "step" : undefined}>
              {done ? (
                <button
                  type="button"
                  onClick={() => onSelect(i)}
                  className="flex w-full items-center gap-2.5 rounded-md px-2 py-1.5 text-left hover:bg-gray-100 focus-visible:outline-2 focus-visible:outline-accent-500"
                >
                  {marker}
                  {label}
                  <span className="sr-only">(done; go back to it)</span>
                </button>
              ) : (
                <div className="flex items-center gap-2.5 px-2 py-1.5">
                  {marker}
                  {label}
                </div>
              )}
            </li>
          );
        })}
      </ol>
    </nav>
  );
}

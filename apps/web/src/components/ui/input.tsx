// Text inputs and their labels, styled alike across forms and filters.
import { clsx } from "clsx";
import type { ComponentProps, LabelHTMLAttributes } from "react";

export function Input({ className, ...props }: ComponentProps<"input">) {
  return (
    <input
      className={clsx(
        "block h-9 w-full rounded-md border border-gray-300 bg-white px-3 text-gray-900 text-sm shadow-xs",
        "placeholder:text-gray-400 focus:border-accent-500 focus:outline-none focus:ring-3 focus:ring-accent-500/20",
        "disabled:cursor-not-allowed disabled:bg-gray-50 disabled:text-gray-500",
        "aria-invalid:border-red-400 aria-invalid:focus:ring-red-500/20",
        className,
      )}
      {...props}
    />
  );
}

export function Label({ className, ...props }: LabelHTMLAttributes<HTMLLabelElement>) {
  // biome-ignore lint/a11y/noLabelWithoutControl: callers pass htmlFor or wrap the control
  return <label className={clsx("block font-medium text-gray-700 text-sm", className)} {...props} />;
}

// A labelled native <select>, styled like Input: the browser keeps its keyboard and screen-reader behaviour.
import { clsx } from "clsx";
import { type ComponentProps, type ReactNode, useId } from "react";
import { Label } from "./input";

export interface SelectProps extends Omit<ComponentProps<"select">, "className"> {
  label: ReactNode;
  /** Classes of the wrapper holding the label and the control, e.g. its place in a grid. */
  className?: string;
}

export function Select({ label, id, className, children, ...props }: SelectProps) {
  const generatedId = useId();
  const selectId = id ?? generatedId;
  return (
    <div className={className}>
      <Label htmlFor={selectId}>{label}</Label>
      <select
        id={selectId}
        className={clsx(
          "block h-9 w-full rounded-md border border-gray-300 bg-white px-2.5 text-gray-900 text-sm shadow-xs",
          "focus:border-accent-500 focus:outline-none focus:ring-3 focus:ring-accent-500/20",
          "disabled:cursor-not-allowed disabled:bg-gray-50 disabled:text-gray-500",
        )}
        {...props}
      >
        {children}
      </select>
    </div>
  );
}

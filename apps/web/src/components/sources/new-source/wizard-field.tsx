// The wizard's labelled controls: a label, the control, a hint and the field's error right below it,
// tied together with aria-describedby so a screen reader reads the error with the control.
import { clsx } from "clsx";
import type { ComponentProps, ReactNode } from "react";
import { Input, Label } from "@/components/ui/input";

/** The element ids of a field: the control, its hint and its error. */
export function fieldIds(field: string) {
  return {
    control: `new-source-${field}`,
    hint: `new-source-${field}-hint`,
    error: `new-source-${field}-error`,
  };
}

export function describedBy(field: string, hint: boolean, error: string | undefined): string | undefined {
  const ids = fieldIds(field);
  return [error ? ids.error : undefined, hint ? ids.hint : undefined].filter(Boolean).join(" ") || undefined;
}

export function FieldError({ field, message }: { field: string; message: string | undefined }) {
  if (!message) return null;
  return (
    <p id={fieldIds(field).error} className="mt-1 text-red-700 text-xs">
      {message}
    </p>
  );
}

export function FieldHint({ field, children }: { field: string; children: ReactNode }) {
  return (
    <p id={fieldIds(field).hint} className="mt-1 text-gray-500 text-xs">
      {children}
    </p>
  );
}

export interface TextFieldProps extends Omit<ComponentProps<"input">, "id"> {
  field: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: string | undefined;
  /** Shown after the input, e.g. whether a slug is free. */
  status?: ReactNode;
}

export function TextField({ field, label, hint, error, status, className, ...props }: TextFieldProps) {
  const ids = fieldIds(field);
  return (
    <div className={className}>
      <Label htmlFor={ids.control}>{label}</Label>
      <Input
        id={ids.control}
        className={clsx("mt-1")}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(field, hint !== undefined, error)}
        {...props}
      />
      {status}
      <FieldError field={field} message={error} />
      {hint !== undefined ? <FieldHint field={field}>{hint}</FieldHint> : null}
    </div>
  );
}

export interface SelectFieldProps extends Omit<ComponentProps<"select">, "id"> {
  field: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: string | undefined;
}

export function SelectField({ field, label, hint, error, className, children, ...props }: SelectFieldProps) {
  const ids = fieldIds(field);
  return (
    <div className={className}>
      <Label htmlFor={ids.control}>{label}</Label>
      <select
        id={ids.control}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(field, hint !== undefined, error)}
        className={clsx(
          "mt-1 block h-9 w-full rounded-md border border-gray-300 bg-white px-2.5 text-gray-900 text-sm shadow-xs",
          "focus:border-accent-500 focus:outline-none focus:ring-3 focus:ring-accent-500/20",
          "disabled:cursor-not-allowed disabled:bg-gray-50 disabled:text-gray-500",
          "aria-invalid:border-red-400",
        )}
        {...props}
      >
        {children}
      </select>
      <FieldError field={field} message={error} />
      {hint !== undefined ? <FieldHint field={field}>{hint}</FieldHint> : null}
    </div>
  );
}

/** A group of radio buttons with a legend, each option with a description. */
export function RadioCards<T extends string>({
  name,
  legend,
  value,
  options,
  onChange,
  error,
  field,
}: {
  name: string;
  legend: ReactNode;
  value: T;
  options: readonly { value: T; label: string; description: string }[];
  onChange: (value: T) => void;
  error?: string | undefined;
  field: string;
}) {
  return (
    <fieldset aria-describedby={error ? fieldIds(field).error : undefined}>
      <legend className="font-medium text-gray-700 text-sm">{legend}</legend>
      <div className="mt-2 grid gap-2 sm:grid-cols-3">
        {options.map((option) => {
          const id = `${fieldIds(field).control}-${option.value}`;
          return (
            <label
              key={option.value}
              htmlFor={id}
              className={clsx(
                "flex cursor-pointer gap-2.5 rounded-md border p-3 text-sm",
                "has-[:focus-visible]:outline-2 has-[:focus-visible]:outline-accent-500",
                value === option.value
                  ? "border-accent-500 bg-accent-50/60"
                  : "border-gray-200 hover:bg-gray-50",
              )}
            >
              <input
                id={id}
                type="radio"
                name={name}
                value={option.value}
                checked={value === option.value}
                onChange={() => onChange(option.value)}
                aria-labelledby={`${id}-label`}
                aria-describedby={`${id}-description`}
                className="mt-0.5 accent-accent-600"
              />
              <span>
                <span id={`${id}-label`} className="block font-medium text-gray-900">
                  {option.label}
                </span>
                <span id={`${id}-description`} className="mt-0.5 block text-gray-500 text-xs">
                  {option.description}
                </span>
              </span>
            </label>
          );
        })}
      </div>
      <FieldError field={field} message={error} />
    </fieldset>
  );
}

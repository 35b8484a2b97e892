"use client";
// Two versions chosen to compare (From version, To version) and Compare: the form a saved query's and a
// source schema's version histories share. The caller holds the choices and what Compare does.
import type { FormEvent, ReactNode } from "react";
import { Button } from "./button";
import { Select } from "./select";

export interface VersionRangeFormProps {
  versions: readonly number[];
  from: number;
  to: number;
  onFromChange: (version: number) => void;
  onToChange: (version: number) => void;
  onCompare: (range: { from: number; to: number }) => void;
  /** How a version reads in the lists. */
  optionLabel?: (version: number) => string;
  className: string;
  /** Classes of each select's wrapper. */
  selectClassName: string;
  buttonIcon?: ReactNode;
}

export function VersionRangeForm({
  versions,
  from,
  to,
  onFromChange,
  onToChange,
  onCompare,
  optionLabel = String,
  className,
  selectClassName,
  buttonIcon,
}: VersionRangeFormProps) {
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onCompare({ from, to });
  };
  // Both ends of a comparison choose among the same versions.
  const options = versions.map((v) => (
    <option key={v} value={v}>
      {optionLabel(v)}
    </option>
  ));
  const ends = [
    ["From version", from, onFromChange],
    ["To version", to, onToChange],
  ] as const;
  return (
    <form onSubmit={submit} className={className}>
      {ends.map(([label, value, onChange]) => (
        <Select
          key={label}
          label={label}
          value={value}
          onChange={(e) => onChange(Number(e.target.value))}
          className={selectClassName}
        >
          {options}
        </Select>
      ))}
      <Button type="submit" variant="secondary" icon={buttonIcon}>
        Compare
      </Button>
    </form>
  );
}

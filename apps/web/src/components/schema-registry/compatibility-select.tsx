"use client";
// The mode a source's next schema versions are checked under. Engineers and admins change it (the API
// audits each change); everyone else sees it.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId } from "react";
import { Select } from "@/components/ui/select";
import { useTRPC } from "@/lib/trpc";
import { describeError } from "@/lib/trpc-errors";
import { COMPATIBILITY_MODES, modeName } from "./compatibility-modes";
import type { SchemaCompatibility } from "./schema-registry-outputs";

export function CompatibilitySelect({
  slug,
  mode,
  canManage,
}: {
  slug: string;
  mode: SchemaCompatibility;
  canManage: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const descriptionId = useId();
  const set = useMutation(
    trpc.schemas.setCompatibility.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.schemas.list.queryKey({ slug }) }),
    }),
  );
  const shown = set.isPending && set.variables ? set.variables.mode : mode;
  const info = COMPATIBILITY_MODES.find((m) => m.mode === shown);
  if (!canManage) {
    return (
      <div className="text-sm">
        <p className="text-gray-500 text-xs">Compatibility mode</p>
        <p className="font-mono text-gray-900">{modeName(mode)}</p>
        <p className="mt-1 text-gray-500 text-xs">{info?.description} Engineers and admins change it.</p>
      </div>
    );
  }
  return (
    <div className="space-y-1">
      <Select
        label="Compatibility mode"
        value={shown}
        disabled={set.isPending}
        aria-describedby={descriptionId}
        onChange={(event) => {
          const next = COMPATIBILITY_MODES.find((m) => m.mode === event.target.value);
          if (next) set.mutate({ slug, mode: next.mode });
        }}
        className="max-w-xs"
      >
        {COMPATIBILITY_MODES.map((m) => (
          <option key={m.mode} value={m.mode}>
            {m.label}
          </option>
        ))}
      </Select>
      <p id={descriptionId} className="text-gray-500 text-xs">
        {info?.description} New versions are checked under it; versions already registered stay.
      </p>
      <div aria-live="polite">
        {set.isError ? (
          <p role="alert" className="text-red-700 text-xs">
            {describeError(set.error)}
          </p>
        ) : set.isSuccess && !set.isPending ? (
          <p className="text-emerald-700 text-xs">Saved: new versions are checked under {modeName(mode)}.</p>
        ) : null}
      </div>
    </div>
  );
}

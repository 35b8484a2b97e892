"use client";
// A source's data lifecycle: how long curated partitions and raw batches are kept, when raw objects
// are archived (s3:// lakes), the dedupe window, and deleting the source — confirmed by typing its slug, keeping its
// curated table or purging everything. Engineers and admins change it; others see the settings.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Trash2 } from "lucide-react";
import { useRouter } from "next/navigation";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { Input, Label } from "@/components/ui/input";
import { useTRPC } from "@/lib/trpc";
import { describeError, fieldIssues } from "@/lib/trpc-errors";

export interface LifecycleSettings {
  slug: string;
  partitionProperty: string | null;
  retentionDays: number;
  rawRetentionDays: number;
  rawArchiveDays: number | null;
  dedupeWindowHours: number;
}

type LifecycleField = "retentionDays" | "rawRetentionDays" | "rawArchiveDays" | "dedupeWindowHours";

const fields: { field: LifecycleField; label: string; hint: string; unit?: "hours"; max?: number }[] = [
  {
    field: "retentionDays",
    label: "Curated retention",
    hint: "Partitions whose event date is older are dropped.",
  },
  {
    field: "rawRetentionDays",
    label: "Raw retention",
    hint: "Raw batches (the replay source) older than this are deleted once committed.",
  },
  {
    field: "rawArchiveDays",
    label: "Archive raw after",
    hint: "s3:// lakes only: raw objects move to a colder storage class. Empty: never.",
  },
  {
    field: "dedupeWindowHours",
    label: "Dedupe window",
    hint: "Copies of an event id arriving within this many hours land once; later copies land again. 1 hour to 90 days (2160); 168 is 7 days.",
    unit: "hours",
    max: 90 * 24,
  },
];

function DaysField({
  label,
  hint,
  value,
  onChange,
  problem,
  disabled,
  optional = false,
  unit = "days",
  max = 3650,
}: {
  label: string;
  hint: string;
  value: string;
  onChange: (value: string) => void;
  problem: string | undefined;
  disabled: boolean;
  optional?: boolean;
  unit?: "days" | "hours";
  max?: number;
}) {
  const id = useId();
  return (
    <div>
      <Label htmlFor={id}>{label}</Label>
      <div className="mt-1 flex items-center gap-2">
        <Input
          id={id}
          type="number"
          inputMode="numeric"
          min={1}
          max={max}
          step={1}
          value={value}
          placeholder={optional ? "never" : undefined}
          onChange={(event) => onChange(event.target.value)}
          aria-invalid={problem ? true : undefined}
          aria-describedby={`${id}-hint${problem ? ` ${id}-problem` : ""}`}
          disabled={disabled}
          className="max-w-28"
        />
        <span className="text-gray-500 text-sm">{unit}</span>
      </div>
      <p id={`${id}-hint`} className="mt-1 text-gray-500 text-xs">
        {hint}
      </p>
      {problem ? (
        <p id={`${id}-problem`} role="alert" className="mt-1 text-red-700 text-xs">
          {problem}
        </p>
      ) : null}
    </div>
  );
}

function DeleteSource({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  // The form replaces the button that opened it: focus moves into the form, and back to the button on Cancel.
  const [cancelled, setCancelled] = useState(false);
  const [confirm, setConfirm] = useState("");
  const [data, setData] = useState<"keep" | "purge">("keep");
  const keepRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (open) keepRef.current?.focus();
  }, [open]);
  const confirmId = useId();
  const remove = useMutation(
    trpc.sources.delete.mutationOptions({
      onSuccess: () => {
        void queryClient.invalidateQueries({ queryKey: trpc.sources.list.queryKey() });
        router.push(`/sources?deleted=${encodeURIComponent(slug)}&data=${data}`);
      },
    }),
  );
  if (!open) {
    return (
      <Button
        variant="danger"
        icon={<Trash2 className="size-4" aria-hidden="true" />}
        autoFocus={cancelled}
        onClick={() => setOpen(true)}
      >
        Delete source…
      </Button>
    );
  }
  const submit = (event: FormEvent) => {
    event.preventDefault();
    remove.mutate({ slug, confirm, data });
  };
  const problem = fieldIssues(remove.error).confirm;
  return (
    <form
      onSubmit={submit}
      aria-label={`Delete source ${slug}`}
      className="space-y-4 rounded-md border border-red-200 bg-red-50/60 p-4"
    >
      <p className="text-gray-800 text-sm">
        Its API keys stop working at once and nothing more can be sent to it. Choose what happens to what it
        holds:
      </p>
      <fieldset className="space-y-2">
        <legend className="sr-only">Its data</legend>
        <label className="flex items-start gap-2 text-sm">
          <input
            type="radio"
            name="data"
            value="keep"
            checked={data === "keep"}
            onChange={() => setData("keep")}
            ref={keepRef}
            className="mt-1"
          />
          <span>
            <span className="font-medium text-gray-900">Keep its data</span>
            <span className="block text-gray-600 text-xs">
              curated.{slug} stays queryable (read-only), with its dead letters and raw files; the slug stays
              taken while the table exists.
            </span>
          </span>
        </label>
        <label className="flex items-start gap-2 text-sm">
          <input
            type="radio"
            name="data"
            value="purge"
            checked={data === "purge"}
            onChange={() => setData("purge")}
            className="mt-1"
          />
          <span>
            <span className="font-medium text-gray-900">Purge its data</span>
            <span className="block text-gray-600 text-xs">
              The curated table, its dead letters and every raw, curated and landing file are deleted. This
              cannot be undone.
            </span>
          </span>
        </label>
      </fieldset>
      <div>
        <Label htmlFor={confirmId}>
          Type <span className="font-mono">{slug}</span> to confirm
        </Label>
        <Input
          id={confirmId}
          value={confirm}
          onChange={(event) => setConfirm(event.target.value)}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={problem ? true : undefined}
          className="mt-1 max-w-xs font-mono"
        />
        {problem ? (
          <p role="alert" className="mt-1 text-red-700 text-xs">
            {problem}
          </p>
        ) : null}
      </div>
      {remove.isError && !problem ? (
        <p role="alert" className="text-red-700 text-sm">
          {describeError(remove.error)}
        </p>
      ) : null}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" variant="danger" disabled={confirm !== slug} loading={remove.isPending}>
          {data === "purge" ? "Delete source and purge data" : "Delete source, keep data"}
        </Button>
        <Button
          variant="ghost"
          onClick={() => {
            setOpen(false);
            setCancelled(true);
            setConfirm("");
            remove.reset();
          }}
        >
          Cancel
        </Button>
      </div>
    </form>
  );
}

export function LifecycleCard({ source, canManage }: { source: LifecycleSettings; canManage: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [values, setValues] = useState<Record<LifecycleField, string>>({
    retentionDays: String(source.retentionDays),
    rawRetentionDays: String(source.rawRetentionDays),
    rawArchiveDays: source.rawArchiveDays === null ? "" : String(source.rawArchiveDays),
    dedupeWindowHours: String(source.dedupeWindowHours),
  });
  const [saved, setSaved] = useState(false);
  const update = useMutation(
    trpc.sources.updateLifecycle.mutationOptions({
      onSuccess: () => {
        setSaved(true);
        void queryClient.invalidateQueries({ queryKey: trpc.sources.get.queryKey({ slug: source.slug }) });
      },
    }),
  );
  const issues = fieldIssues(update.error);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    update.mutate({
      slug: source.slug,
      retentionDays: Number(values.retentionDays),
      rawRetentionDays: Number(values.rawRetentionDays),
      rawArchiveDays: values.rawArchiveDays.trim() === "" ? null : Number(values.rawArchiveDays),
      dedupeWindowHours: Number(values.dedupeWindowHours),
    });
  };
  const partitioning = source.partitionProperty
    ? `event date, then ${source.partitionProperty}`
    : "event date";

  return (
    <Card>
      <CardHeader
        title="Retention and lifecycle"
        description={`Curated data is partitioned by ${partitioning}. Retention runs hourly: older curated partitions leave the table in a retention snapshot (in the audit log), older raw batches are deleted. Within the dedupe window a resent event lands once; after it, at least once.`}
      />
      <CardBody>
        <form
          onSubmit={submit}
          aria-label="Retention settings"
          className="grid gap-4 sm:grid-cols-2 lg:grid-cols-4"
        >
          {fields.map((f) => (
            <DaysField
              key={f.field}
              label={f.label}
              hint={f.hint}
              value={values[f.field]}
              onChange={(value) => setValues((v) => ({ ...v, [f.field]: value }))}
              problem={issues[f.field]}
              disabled={!canManage}
              optional={f.field === "rawArchiveDays"}
              unit={f.unit}
              max={f.max}
            />
          ))}
          {canManage ? (
            <div className="flex items-center gap-3 sm:col-span-2 lg:col-span-4">
              <Button type="submit" variant="secondary" loading={update.isPending}>
                Save retention
              </Button>
              {saved && !update.isPending ? (
                <p role="status" className="text-green-700 text-sm">
                  Saved.
                </p>
              ) : null}
              {update.isError && Object.keys(issues).length === 0 ? (
                <p role="alert" className="text-red-700 text-sm">
                  {describeError(update.error)}
                </p>
              ) : null}
            </div>
          ) : null}
        </form>
      </CardBody>
      {canManage ? (
        <div className="border-gray-100 border-t px-5 py-4">
          <DeleteSource slug={source.slug} />
        </div>
      ) : null}
    </Card>
  );
}

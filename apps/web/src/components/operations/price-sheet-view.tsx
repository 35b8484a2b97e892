"use client";
// Settings: the price sheet the Operations dashboard's cost uses. Everyone with the section reads it;
// admins edit it (each save is audited).
import type { AppRouter } from "@inlet/api/router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import Link from "next/link";
import { useEffect, useState } from "react";
import { QueryError } from "@/components/query-error";
import { Button, buttonClasses } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { Input, Label } from "@/components/ui/input";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { describeError } from "@/lib/trpc-errors";

type Sheet = inferRouterOutputs<AppRouter>["operations"]["priceSheet"]["sheet"];

const FIELDS: { key: keyof Sheet; label: string; unit: string }[] = [
  { key: "storageUsdPerGbMonth", label: "Object storage", unit: "$ per GB-month" },
  { key: "putUsdPer1000", label: "PUT requests", unit: "$ per 1,000" },
  { key: "getUsdPer1000", label: "GET requests", unit: "$ per 1,000" },
  { key: "queryUsdPerTb", label: "Queries", unit: "$ per TB scanned" },
  { key: "computeUsdPerGbSecond", label: "Worker compute", unit: "$ per GB-second" },
  { key: "workerMemoryGb", label: "Memory of one worker", unit: "GB" },
];

export function PriceSheetView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useQuery(trpc.me.queryOptions());
  const current = useQuery(trpc.operations.priceSheet.queryOptions());
  const [draft, setDraft] = useState<Record<string, string>>({});
  const isAdmin = me.data?.roles.includes("admin") ?? false;
  const save = useMutation(
    trpc.operations.setPriceSheet.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.operations.pathKey() }),
    }),
  );

  useEffect(() => {
    if (current.data) {
      setDraft(Object.fromEntries(FIELDS.map((f) => [f.key, String(current.data.sheet[f.key])])));
    }
  }, [current.data]);

  const parsed = Object.fromEntries(FIELDS.map((f) => [f.key, Number(draft[f.key])])) as Sheet;
  const invalid = FIELDS.filter(
    (f) => draft[f.key] === "" || !Number.isFinite(parsed[f.key]) || parsed[f.key] < 0,
  );

  return (
    <>
      <PageHeader
        title="Price sheet"
        description="The prices the Operations dashboard's cost figures use, in US dollars. Defaults are AWS list prices (S3 Standard, Athena, Lambda)."
        actions={
          <Link href="/operations" className={buttonClasses("secondary", "md")}>
            Back to Operations
          </Link>
        }
      />
      {current.isPending ? (
        <Skeleton className="h-80" />
      ) : current.isError ? (
        <Card>
          <QueryError
            error={current.error}
            sectionLabel="Price sheet"
            onRetry={() => void current.refetch()}
            retrying={current.isFetching}
          />
        </Card>
      ) : (
        <Card className="max-w-2xl">
          <CardHeader
            title="Prices"
            description={
              current.data.updatedByEmail && current.data.updatedAt
                ? `Last changed by ${current.data.updatedByEmail} on ${formatDateTime(new Date(current.data.updatedAt))}.`
                : "The defaults: no admin has changed them."
            }
          />
          <CardBody>
            <form
              className="space-y-4"
              onSubmit={(e) => {
                e.preventDefault();
                if (invalid.length === 0) save.mutate(parsed);
              }}
            >
              {FIELDS.map((f) => (
                <div key={f.key} className="grid grid-cols-[1fr_12rem] items-center gap-4">
                  <Label htmlFor={`price-${f.key}`}>
                    {f.label}
                    <span className="block font-normal text-gray-500 text-xs">
                      {f.unit}; default {current.data.defaults[f.key]}
                    </span>
                  </Label>
                  <Input
                    id={`price-${f.key}`}
                    inputMode="decimal"
                    value={draft[f.key] ?? ""}
                    disabled={!isAdmin}
                    aria-invalid={invalid.includes(f)}
                    onChange={(e) => setDraft((d) => ({ ...d, [f.key]: e.target.value }))}
                  />
                </div>
              ))}
              {invalid.length > 0 ? (
                <p className="text-red-600 text-sm">
                  {invalid.map((f) => f.label).join(", ")}: enter a number of zero or more.
                </p>
              ) : null}
              {save.isError ? <p className="text-red-600 text-sm">{describeError(save.error)}</p> : null}
              {save.isSuccess ? (
                <p className="text-green-700 text-sm">Saved. The cost figures use it now.</p>
              ) : null}
              {isAdmin ? (
                <Button type="submit" loading={save.isPending} disabled={invalid.length > 0}>
                  Save prices
                </Button>
              ) : (
                <p className="text-gray-500 text-sm">Only admins change the price sheet.</p>
              )}
            </form>
          </CardBody>
        </Card>
      )}
    </>
  );
}

"use client";
// A source's API keys: create one (shown once, then only its prefix), see when each was last used,
// revoke one after a confirmation. Only engineers and admins get here; the API checks it again.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { KeyRound, Plus } from "lucide-react";
import { type FormEvent, useId, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { Input, Label } from "@/components/ui/input";
import { formatDateTime } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";
import { describeError } from "@/lib/trpc-errors";
import { CopyField } from "./copy-field";

export function ApiKeysCard({ slug }: { slug: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const keys = useQuery(trpc.sources.keys.list.queryOptions({ slug }));
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: trpc.sources.keys.list.queryKey({ slug }) });
  const [name, setName] = useState("");
  const [created, setCreated] = useState<{ id: string; name: string; key: string } | undefined>();
  const [confirming, setConfirming] = useState<string | undefined>();
  const nameId = useId();
  const confirmId = useId();
  const create = useMutation(
    trpc.sources.keys.create.mutationOptions({
      onSuccess: (key) => {
        setCreated({ id: key.id, name: key.name, key: key.key });
        setName("");
        void refresh();
      },
    }),
  );
  const revoke = useMutation(
    trpc.sources.keys.revoke.mutationOptions({
      onSuccess: (revoked) => {
        setConfirming(undefined);
        // A key revoked right after it was made is no longer worth copying.
        setCreated((shown) => (shown?.id === revoked.id ? undefined : shown));
        void refresh();
      },
    }),
  );
  const [nameProblem, setNameProblem] = useState<string | undefined>();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) {
      setNameProblem("Give the key a name, such as the producer that will use it.");
      return;
    }
    setNameProblem(undefined);
    create.mutate({ slug, name: name.trim() });
  };

  return (
    <Card>
      <CardHeader
        title="API keys"
        description="Producers send one as Authorization: Bearer <key>. Only a hash is stored: a key is shown once, when it is created. A revoked key is refused within 5 seconds."
      />
      <form
        onSubmit={submit}
        className="flex flex-col gap-2 border-gray-100 border-b px-5 py-4 sm:flex-row sm:items-end"
      >
        <div className="w-full sm:max-w-xs">
          <Label htmlFor={nameId}>New key name</Label>
          <Input
            id={nameId}
            value={name}
            onChange={(event) => setName(event.target.value)}
            placeholder="e.g. checkout-service"
            maxLength={80}
            autoComplete="off"
            required
          />
        </div>
        <Button
          type="submit"
          loading={create.isPending}
          icon={<Plus className="size-4" aria-hidden="true" />}
        >
          Create key
        </Button>
        {nameProblem || create.isError ? (
          <p role="alert" className="text-red-700 text-sm sm:self-center">
            {nameProblem ?? describeError(create.error)}
          </p>
        ) : null}
      </form>
      {created ? (
        <div role="status" className="border-amber-200 border-b bg-amber-50 px-5 py-4">
          <p className="font-medium text-amber-900 text-sm">
            Key “{created.name}” created. Copy it now: it will not be shown again.
          </p>
          <div className="mt-2 flex flex-col gap-2 sm:flex-row">
            <div className="min-w-0 flex-1">
              <CopyField value={created.key} label="New API key" />
            </div>
            <Button variant="ghost" onClick={() => setCreated(undefined)}>
              Done
            </Button>
          </div>
        </div>
      ) : null}
      <DataTable
        label="API keys"
        loadingLabel="Loading API keys"
        query={keys}
        rows={keys.data}
        rowKey={(key) => key.id}
        empty={{
          icon: KeyRound,
          title: "No keys yet",
          description:
            "Create a key for each producer, so that one can be revoked without stopping the others.",
        }}
        columns={[
          {
            header: "Name",
            // A long name wraps rather than pushing the actions out of the card on a phone.
            cellClassName: "font-medium text-gray-900 [overflow-wrap:anywhere]",
            cell: (key) => (
              <>
                {key.name}
                <div className="font-mono font-normal text-gray-500 text-xs sm:hidden">{key.prefix}…</div>
              </>
            ),
          },
          {
            header: "Key",
            className: "hidden sm:table-cell",
            cellClassName: "font-mono text-xs",
            cell: (key) => `${key.prefix}…`,
          },
          {
            header: "Created",
            className: "hidden md:table-cell",
            cellClassName: "whitespace-nowrap text-gray-500",
            cell: (key) => formatDateTime(key.createdAt),
          },
          {
            header: "Last used",
            className: "hidden sm:table-cell",
            cellClassName: "whitespace-nowrap text-gray-500",
            cell: (key) => (key.lastUsedAt ? formatDateTime(key.lastUsedAt) : "Never"),
          },
          {
            header: "Status",
            cell: (key) =>
              key.revokedAt ? (
                <Badge tone="neutral">Revoked {formatDateTime(key.revokedAt)}</Badge>
              ) : (
                <Badge dot tone="success">
                  Active
                </Badge>
              ),
          },
          {
            header: "Actions",
            headerHidden: true,
            cellClassName: "whitespace-nowrap text-right",
            // Opens the confirmation in a row of its own under the key's, as wide as the table: in this
            // cell it would widen the column past the card and cut its buttons off.
            cell: (key) =>
              key.revokedAt ? null : (
                <Button
                  size="sm"
                  variant="secondary"
                  aria-expanded={confirming === key.id}
                  aria-controls={confirming === key.id ? `${confirmId}-${key.id}` : undefined}
                  onClick={() => setConfirming((open) => (open === key.id ? undefined : key.id))}
                >
                  Revoke
                </Button>
              ),
          },
        ]}
        rowClassName={(key) => (confirming === key.id ? "bg-red-50/50" : undefined)}
        rowDetail={(key) =>
          confirming === key.id && !key.revokedAt
            ? {
                id: `${confirmId}-${key.id}`,
                content: (
                  <div className="flex flex-wrap items-center justify-end gap-x-3 gap-y-2">
                    <p className="text-gray-600 text-xs">Producers using it will get 401 within 5 seconds.</p>
                    <div className="flex flex-wrap justify-end gap-2">
                      <Button
                        size="sm"
                        variant="danger"
                        loading={revoke.isPending}
                        onClick={() => revoke.mutate({ id: key.id })}
                      >
                        <span className="max-w-48 truncate sm:max-w-sm">Revoke “{key.name}”</span>
                      </Button>
                      <Button size="sm" variant="ghost" onClick={() => setConfirming(undefined)}>
                        Cancel
                      </Button>
                    </div>
                  </div>
                ),
              }
            : undefined
        }
      />
      {revoke.isError ? (
        <p role="alert" className="px-5 py-3 text-red-700 text-sm">
          {describeError(revoke.error)}
        </p>
      ) : null}
    </Card>
  );
}

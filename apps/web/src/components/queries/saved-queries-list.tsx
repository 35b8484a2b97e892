"use client";
// The side list of saved queries: mine, or shared with me, filtered by a word, grouped by folder; each
// opens at /queries/{id}. The open one is marked as the current page.
import { useQuery } from "@tanstack/react-query";
import { clsx } from "clsx";
import { Folder, Search, Share2, SquareTerminal } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { QueryError } from "@/components/query-error";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { Tabs } from "@/components/ui/tabs";
import { useTRPC } from "@/lib/trpc";
import { groupByFolder, type SavedQueryScope } from "./saved-query-folders";

const SCOPES = [
  { id: "mine" as const, label: "Mine" },
  { id: "shared" as const, label: "Shared with me" },
];

export function SavedQueriesList({ currentId }: { currentId: string | undefined }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.savedQueries.list.queryOptions({}));
  const [scope, setScope] = useState<SavedQueryScope>("mine");
  const [text, setText] = useState("");
  const items = list.data?.items ?? [];
  const groups = groupByFolder(items, scope, text);
  const counts = { mine: items.filter((i) => i.mine).length, shared: items.filter((i) => !i.mine).length };

  return (
    <nav aria-label="Saved queries" className="flex min-h-0 flex-col">
      <div className="flex items-center justify-between px-3 pt-3">
        <h2 className="font-semibold text-gray-900 text-sm">Saved queries</h2>
        <Link
          href="/queries"
          className="rounded px-1.5 py-0.5 text-accent-700 text-xs hover:bg-accent-50 focus-visible:outline-2 focus-visible:outline-accent-500"
        >
          New query
        </Link>
      </div>
      <div className="relative px-3 pt-2">
        <Search
          aria-hidden="true"
          className="pointer-events-none absolute top-1/2 left-5.5 mt-1 size-3.5 -translate-y-1/2 text-gray-400"
        />
        <Input
          type="search"
          aria-label="Filter saved queries"
          placeholder="Filter by name, folder, owner"
          value={text}
          onChange={(event) => setText(event.target.value)}
          className="h-8 pl-7 text-xs"
        />
      </div>
      <Tabs
        label="Whose saved queries"
        idPrefix="saved-scope"
        tabs={SCOPES.map((s) => ({ ...s, extra: list.data ? counts[s.id] : undefined }))}
        selected={scope}
        onSelect={setScope}
        className="mt-2 px-2"
      />
      <div
        role="tabpanel"
        id={`saved-scope-panel-${scope}`}
        aria-labelledby={`saved-scope-tab-${scope}`}
        className="min-h-0 flex-1 overflow-y-auto px-2 py-2"
      >
        {list.isPending ? (
          <div role="status" aria-busy="true" aria-label="Loading saved queries" className="space-y-2 px-1">
            <Skeleton className="h-4 w-3/4" />
            <Skeleton className="h-4 w-2/3" />
            <Skeleton className="h-4 w-1/2" />
          </div>
        ) : list.isError ? (
          <QueryError
            error={list.error}
            sectionLabel="Queries"
            onRetry={() => void list.refetch()}
            retrying={list.isFetching}
          />
        ) : groups.length === 0 ? (
          <p className="px-2 py-6 text-center text-gray-500 text-xs">
            {text
              ? "No saved query matches."
              : scope === "mine"
                ? "You have no saved queries yet. Write one and press Save."
                : "Nothing is shared with your roles yet."}
          </p>
        ) : (
          <ul className="space-y-3">
            {groups.map((group) => (
              <li key={group.folder || "(top)"}>
                {group.folder ? (
                  <p className="flex items-center gap-1.5 px-2 pb-1 font-medium text-gray-500 text-xs">
                    <Folder aria-hidden="true" className="size-3.5" />
                    {group.folder}
                  </p>
                ) : null}
                <ul aria-label={group.folder ? `Folder ${group.folder}` : "Top level"}>
                  {group.items.map((item) => {
                    const current = item.id === currentId;
                    return (
                      <li key={item.id}>
                        <Link
                          href={`/queries/${item.id}`}
                          aria-current={current ? "page" : undefined}
                          title={item.description || item.name}
                          className={clsx(
                            "flex items-center gap-1.5 rounded-md px-2 py-1.5 text-sm",
                            "focus-visible:outline-2 focus-visible:outline-accent-500",
                            current
                              ? "bg-accent-50 font-medium text-accent-800"
                              : "text-gray-700 hover:bg-gray-100",
                          )}
                        >
                          {item.mine ? (
                            <SquareTerminal aria-hidden="true" className="size-3.5 shrink-0 text-gray-400" />
                          ) : (
                            <Share2 aria-hidden="true" className="size-3.5 shrink-0 text-gray-400" />
                          )}
                          <span className="min-w-0 flex-1 truncate">{item.name}</span>
                        </Link>
                        {!item.mine ? (
                          <p className="truncate pl-7 text-[11px] text-gray-400">{item.owner.email}</p>
                        ) : null}
                      </li>
                    );
                  })}
                </ul>
              </li>
            ))}
          </ul>
        )}
        {list.data?.truncated ? (
          <p className="px-2 pt-2 text-gray-500 text-xs">Showing the first 500; filter to find others.</p>
        ) : null}
      </div>
    </nav>
  );
}

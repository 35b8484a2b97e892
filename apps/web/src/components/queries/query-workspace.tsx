"use client";
// The Queries page: the saved-queries list beside the editing session, for a new query or the saved one
// the address names (/queries/{id}). Completion offers the tables the person may read.
import { useQuery } from "@tanstack/react-query";
import { FileQuestion } from "lucide-react";
import Link from "next/link";
import { useMemo } from "react";
import { QueryError } from "@/components/query-error";
import { buttonClasses } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { useTRPC } from "@/lib/trpc";
import { errorCode } from "@/lib/trpc-errors";
import { completionSchema } from "./completion-schema";
import { QueriesNav } from "./queries-nav";
import { QuerySession } from "./query-session";
import { SavedQueriesList } from "./saved-queries-list";
import { foldersIn } from "./saved-query-folders";

function SessionSkeleton() {
  return (
    <div role="status" aria-busy="true" aria-label="Loading the saved query" className="space-y-3">
      <Skeleton className="h-6 w-56" />
      <Skeleton className="h-64 w-full" />
      <Skeleton className="h-10 w-full" />
    </div>
  );
}

export function QueryWorkspace({ savedQueryId }: { savedQueryId?: string }) {
  const trpc = useTRPC();
  const tables = useQuery(trpc.tables.list.queryOptions({}));
  const list = useQuery(trpc.savedQueries.list.queryOptions({}));
  const saved = useQuery(
    trpc.savedQueries.get.queryOptions({ id: savedQueryId ?? "" }, { enabled: savedQueryId !== undefined }),
  );
  const schema = useMemo(
    () => completionSchema((tables.data?.tables ?? []).filter((t) => t.zone !== "raw")),
    [tables.data],
  );
  const folders = useMemo(() => foldersIn(list.data?.items ?? []), [list.data]);

  let session: React.ReactNode;
  if (savedQueryId === undefined) {
    session = <QuerySession key="new" saved={undefined} schema={schema} folders={folders} />;
  } else if (saved.isPending) {
    session = <SessionSkeleton />;
  } else if (saved.isError) {
    session =
      errorCode(saved.error) === "NOT_FOUND" ? (
        <EmptyState
          icon={FileQuestion}
          title="No such saved query"
          description="It was deleted, or it is not shared with any of your roles."
          action={
            <Link href="/queries" className={buttonClasses("secondary")}>
              Start a new query
            </Link>
          }
        />
      ) : (
        <QueryError
          error={saved.error}
          sectionLabel="Queries"
          onRetry={() => void saved.refetch()}
          retrying={saved.isFetching}
        />
      );
  } else {
    session = <QuerySession key={saved.data.id} saved={saved.data} schema={schema} folders={folders} />;
  }

  return (
    <>
      <PageHeader
        title="Queries"
        description="Write SQL, see what it will scan and cost before it runs, then save, chart and share it."
        actions={<QueriesNav />}
      />
      <div className="grid gap-4 lg:grid-cols-[16rem_minmax(0,1fr)]">
        <Card className="max-h-[calc(100vh-10rem)] overflow-hidden lg:sticky lg:top-4 lg:self-start">
          <SavedQueriesList currentId={savedQueryId} />
        </Card>
        <div className="min-w-0">{session}</div>
      </div>
    </>
  );
}

// The footer of a paged list: how much is shown, a failed page's message, and "Load more".
import type { ReactNode } from "react";
import { Button } from "./button";

export function LoadMoreFooter({
  summary,
  hasMore,
  loading,
  failed,
  failedMessage,
  onLoadMore,
}: {
  summary: ReactNode;
  hasMore: boolean;
  loading: boolean;
  failed: boolean;
  failedMessage: string;
  onLoadMore: () => void;
}) {
  return (
    <div className="flex items-center justify-between gap-3 border-gray-100 border-t px-5 py-3">
      <p className="text-gray-500 text-xs">{summary}</p>
      {failed ? (
        <p role="alert" className="text-red-600 text-xs">
          {failedMessage}
        </p>
      ) : null}
      {hasMore ? (
        <Button variant="secondary" size="sm" loading={loading} onClick={onLoadMore}>
          Load more
        </Button>
      ) : null}
    </div>
  );
}

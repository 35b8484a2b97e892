"use client";
// Above a list of dead letters: "select all on this page", "all N matching this filter", how many are
// selected, and what can be done with them — a dry run (always first, for everyone who reads), then a
// replay job, or a discard (on-call staff and admins).
import { FlaskConical, Trash2 } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { Button } from "@/components/ui/button";
import { formatCount } from "@/lib/format";
import {
  type LetterSelection,
  type ListFilter,
  pageState,
  replayFilter,
  replaySelection,
  selectAllMatching,
  selectedCount,
  togglePage,
} from "@/lib/replay-selection";
import { DiscardDialog, discardedNotice } from "./discard-dialog";
import { ReplayDialog } from "./replay-dialog";

export function ReplayToolbar({
  selection,
  onChange,
  pageIds,
  matching,
  filter,
  canReplay,
  onJobStarted,
}: {
  selection: LetterSelection;
  onChange: (next: LetterSelection) => void;
  pageIds: readonly string[];
  /** Letters matching the filter (the list's count). */
  matching: number;
  filter: ListFilter;
  canReplay: boolean;
  onJobStarted: (jobId: string) => void;
}) {
  const [dialog, setDialog] = useState<"dry-run" | "discard" | undefined>();
  const [discarded, setDiscarded] = useState<string | undefined>();
  const change = (next: LetterSelection) => {
    setDiscarded(undefined);
    onChange(next);
  };
  const pageBox = useRef<HTMLInputElement>(null);
  const state = pageState(selection, pageIds);
  useEffect(() => {
    if (pageBox.current) pageBox.current.indeterminate = state === "some";
  }, [state]);
  const count = selectedCount(selection);
  const byFilter = replayFilter(filter);
  const api = replaySelection(selection, filter);
  const label =
    selection.kind === "filter"
      ? `all ${formatCount(selection.matching)} letters matching this filter`
      : `${formatCount(count)} selected letter${count === 1 ? "" : "s"}`;
  return (
    <div
      className="flex flex-wrap items-center gap-x-4 gap-y-2 border-gray-100 border-b px-5 py-2 text-sm"
      data-testid="replay-toolbar"
    >
      <label className="inline-flex items-center gap-2 text-gray-700 text-xs">
        <input
          ref={pageBox}
          type="checkbox"
          data-testid="select-page"
          checked={state === "all"}
          disabled={pageIds.length === 0}
          onChange={() => change(togglePage(selection, pageIds))}
        />
        Select all on this page
      </label>
      {selection.kind !== "filter" && matching > 0 && "filter" in byFilter ? (
        <Button
          size="sm"
          variant="ghost"
          data-testid="select-all-matching"
          onClick={() => change(selectAllMatching(matching))}
        >
          Select all {formatCount(matching)} matching this filter
        </Button>
      ) : null}
      <span className="text-gray-600 text-xs" aria-live="polite" data-testid="selected-count">
        {count === 0
          ? (discarded ?? "No letters selected")
          : `${label.charAt(0).toUpperCase()}${label.slice(1)}`}
      </span>
      <div className="ml-auto flex items-center gap-2">
        {count > 0 ? (
          <Button
            size="sm"
            variant="ghost"
            data-testid="selection-clear"
            onClick={() => change({ kind: "ids", ids: new Set() })}
          >
            Clear
          </Button>
        ) : null}
        {canReplay && selection.kind === "ids" && count > 0 ? (
          <Button
            size="sm"
            variant="secondary"
            data-testid="bulk-discard"
            onClick={() => setDialog("discard")}
            icon={<Trash2 className="size-4" aria-hidden="true" />}
          >
            Discard…
          </Button>
        ) : null}
        <Button
          size="sm"
          data-testid="dry-run"
          disabled={api === undefined}
          onClick={() => setDialog("dry-run")}
          icon={<FlaskConical className="size-4" aria-hidden="true" />}
        >
          Dry run{canReplay ? " and replay…" : "…"}
        </Button>
      </div>
      {api !== undefined && dialog === "dry-run" ? (
        <ReplayDialog
          open
          selection={api}
          selectedLabel={label}
          canReplay={canReplay}
          onClose={() => setDialog(undefined)}
          onStarted={(jobId) => {
            setDialog(undefined);
            onChange({ kind: "ids", ids: new Set() });
            onJobStarted(jobId);
          }}
        />
      ) : null}
      {selection.kind === "ids" ? (
        <DiscardDialog
          open={dialog === "discard"}
          ids={[...selection.ids]}
          onClose={() => setDialog(undefined)}
          onDiscarded={(n) => {
            onChange({ kind: "ids", ids: new Set() });
            setDiscarded(discardedNotice(n));
          }}
        />
      ) : null}
    </div>
  );
}

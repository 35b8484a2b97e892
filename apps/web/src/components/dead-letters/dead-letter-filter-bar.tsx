"use client";
// The Dead letters page's filters: source, reason, status, when received, batch, payload text, and a
// letter to open by its id. Choices apply at once; typed text on Enter (or the button beside it).
import { useQuery } from "@tanstack/react-query";
import { Search, X } from "lucide-react";
import { type FormEvent, useEffect, useId, useState } from "react";
import { Button } from "@/components/ui/button";
import { Input, Label } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import {
  DEAD_LETTER_STATUSES,
  type DeadLetterStatus,
  type DeadLetterView,
  NONE,
  TIME_RANGES,
  type TimeRange,
} from "@/lib/dead-letter-filters";
import { formatCount } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

/** Shortest and longest payload search the API runs. */
const SEARCH_MIN = 3;
const SEARCH_MAX = 200;

export function DeadLetterFilterBar({
  view,
  reasons,
  onChange,
  onFind,
}: {
  view: DeadLetterView;
  /** Letters matching the filters but the reason, per reason code. */
  reasons: readonly { reasonCode: string; count: number }[];
  onChange: (next: Partial<DeadLetterView>) => void;
  onFind: (id: string) => void;
}) {
  const trpc = useTRPC();
  const sources = useQuery(trpc.sources.list.queryOptions());
  const [batch, setBatch] = useState(view.batch ?? "");
  const [search, setSearch] = useState(view.q ?? "");
  const [findInput, setFindInput] = useState("");
  const [searchError, setSearchError] = useState<string | undefined>();
  const ids = { batch: useId(), search: useId(), searchHelp: useId(), find: useId() };
  // The address changed (Back, a link): the text fields follow it.
  useEffect(() => setBatch(view.batch ?? ""), [view.batch]);
  useEffect(() => setSearch(view.q ?? ""), [view.q]);

  const total = reasons.reduce((n, r) => n + r.count, 0);
  const applyBatch = () => {
    const value = batch.trim();
    if (value !== (view.batch ?? "")) onChange({ batch: value || undefined });
  };
  const submitSearch = (event: FormEvent) => {
    event.preventDefault();
    const value = search.trim();
    if (value && (Array.from(value).length < SEARCH_MIN || value.length > SEARCH_MAX)) {
      setSearchError(`Search for ${SEARCH_MIN} to ${SEARCH_MAX} characters.`);
      return;
    }
    setSearchError(undefined);
    onChange({ q: value || undefined });
  };
  const clearSearch = () => {
    setSearch("");
    setSearchError(undefined);
    onChange({ q: undefined });
  };
  const find = (event: FormEvent) => {
    event.preventDefault();
    if (findInput.trim()) onFind(findInput.trim());
  };
  const sourceValue = view.source === null ? NONE : (view.source ?? "");

  return (
    <div className="space-y-3 border-gray-100 border-b px-5 py-3" data-testid="dead-letter-filters">
      {/* Source and reason get the room their names need ("Checkout clicks (checkout-clicks)",
          "SCHEMA_VIOLATION (201)"); status, time and batch are short. */}
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-[minmax(0,2.3fr)_minmax(0,1.9fr)_minmax(0,1fr)_minmax(0,1.1fr)_minmax(0,0.9fr)]">
        <Select
          label="Source"
          value={sourceValue}
          onChange={(event) => {
            const value = event.target.value;
            onChange({ source: value === "" ? undefined : value === NONE ? null : value, reason: undefined });
          }}
        >
          <option value="">All sources</option>
          {sources.data?.items.map((s) => (
            <option key={s.id} value={s.slug}>
              {s.name} ({s.slug})
            </option>
          ))}
          <option value={NONE}>No source (landing files)</option>
          {view.source && !sources.data?.items.some((s) => s.slug === view.source) ? (
            <option value={view.source}>{view.source}</option>
          ) : null}
        </Select>
        <Select
          label="Reason"
          value={view.reason ?? ""}
          onChange={(event) => onChange({ reason: event.target.value || undefined })}
        >
          <option value="">All reasons ({formatCount(total)})</option>
          {reasons.map((r) => (
            <option key={r.reasonCode} value={r.reasonCode}>
              {r.reasonCode} ({formatCount(r.count)})
            </option>
          ))}
          {view.reason && !reasons.some((r) => r.reasonCode === view.reason) ? (
            <option value={view.reason}>{view.reason} (0)</option>
          ) : null}
        </Select>
        <Select
          label="Status"
          value={view.status}
          // The reasons differ by status: a reason picked for another one would filter unseen.
          onChange={(event) =>
            onChange({ status: event.target.value as DeadLetterStatus, reason: undefined })
          }
        >
          {DEAD_LETTER_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s.charAt(0).toUpperCase() + s.slice(1)}
            </option>
          ))}
        </Select>
        <Select
          label="Received"
          value={view.range}
          onChange={(event) => onChange({ range: event.target.value as TimeRange })}
        >
          {TIME_RANGES.map((r) => (
            <option key={r.id} value={r.id}>
              {r.label}
            </option>
          ))}
        </Select>
        <div>
          <Label htmlFor={ids.batch}>Batch id</Label>
          <Input
            id={ids.batch}
            value={batch}
            onChange={(event) => setBatch(event.target.value)}
            onBlur={applyBatch}
            onKeyDown={(event) => {
              if (event.key === "Enter") applyBatch();
            }}
            placeholder="Any batch"
            maxLength={64}
            autoComplete="off"
            spellCheck={false}
            className="font-mono text-xs"
          />
        </div>
      </div>
      <div className="grid grid-cols-1 gap-3 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <form onSubmit={submitSearch}>
          <Label htmlFor={ids.search}>Search payloads</Label>
          <div className="flex gap-2">
            <Input
              id={ids.search}
              type="search"
              value={search}
              onChange={(event) => setSearch(event.target.value)}
              placeholder="Text a payload holds, e.g. an order id or a customer's email"
              maxLength={SEARCH_MAX}
              autoComplete="off"
              spellCheck={false}
              aria-describedby={ids.searchHelp}
              aria-invalid={searchError ? true : undefined}
              className="font-mono text-xs"
            />
            <Button type="submit" variant="secondary" icon={<Search aria-hidden="true" className="size-4" />}>
              Search
            </Button>
            {view.q ? (
              <Button
                type="button"
                variant="ghost"
                onClick={clearSearch}
                icon={<X aria-hidden="true" className="size-4" />}
              >
                Clear search
              </Button>
            ) : null}
          </div>
          <p
            id={ids.searchHelp}
            className={searchError ? "mt-1 text-red-700 text-xs" : "mt-1 text-gray-500 text-xs"}
          >
            {searchError ??
              "Not case-sensitive; looks in each payload's first 65,536 characters, of the letters the other filters leave. Sources whose column rules restrict your roles are not searched."}
          </p>
        </form>
        <form onSubmit={find}>
          <Label htmlFor={ids.find}>Dead letter id</Label>
          <div className="flex gap-2">
            <Input
              id={ids.find}
              value={findInput}
              onChange={(event) => setFindInput(event.target.value)}
              placeholder="From a 4xx answer"
              maxLength={64}
              autoComplete="off"
              spellCheck={false}
              className="font-mono text-xs"
            />
            <Button type="submit" variant="secondary">
              Open
            </Button>
          </div>
        </form>
      </div>
    </div>
  );
}

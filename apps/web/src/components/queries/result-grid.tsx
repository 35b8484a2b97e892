"use client";
// A query's rows in a virtualized grid that stays smooth at 100,000 rows: only the rows in view are in
// the page (TanStack Virtual), columns and sorting come from TanStack Table. Each heading shows the
// column's type and sorts the result by it (NULLs last); a cell is chosen by click or arrow keys and
// copied with Ctrl/Cmd+C or the Copy cell button.
import {
  type ColumnDef,
  createColumnHelper,
  rowSortingFeature,
  type SortingState,
  tableFeatures,
  useTable,
} from "@tanstack/react-table";
import { useVirtualizer } from "@tanstack/react-virtual";
import { clsx } from "clsx";
import { ArrowDown, ArrowUp, ArrowUpDown, Check, Copy } from "lucide-react";
import { type KeyboardEvent, useId, useMemo, useRef, useState } from "react";
import { cellText } from "@/components/tables/cell-value";
import { Button } from "@/components/ui/button";
import { formatCount } from "@/lib/format";
import { columnKind, type ResultColumn } from "./chart-defaults";
import { sortedRowIndexes } from "./result-sort";

type Row = Record<string, unknown>;

const features = tableFeatures({ rowSortingFeature });
const helper = createColumnHelper<typeof features, Row>();

const ROW_HEIGHT = 32;
const HEADER_HEIGHT = 44;
const ROW_NUMBER_WIDTH = 64;

/** A column's width from its name, type and first values: at least 96 px, at most 360. */
function widthOf(column: ResultColumn, rows: readonly Row[]): number {
  let chars = Math.max(column.name.length, column.type.length + 2);
  for (const row of rows.slice(0, 50)) chars = Math.max(chars, (cellText(row[column.name]) ?? "NULL").length);
  // About 7.5 px a monospace character, plus padding and the sort arrow.
  return Math.min(360, Math.max(96, chars * 7.5 + 52));
}

interface ActiveCell {
  row: number;
  col: number;
}

export function ResultGrid({
  columns,
  rows,
  height = 420,
}: {
  columns: readonly ResultColumn[];
  rows: readonly Row[];
  height?: number;
}) {
  const gridId = useId();
  const [sorting, setSorting] = useState<SortingState>([]);
  const [active, setActive] = useState<ActiveCell | undefined>(undefined);
  const [copied, setCopied] = useState<string | undefined>(undefined);
  const scrollRef = useRef<HTMLDivElement>(null);

  // Sorted here, not by the table's sorted row model, so NULLs stay last in both directions and
  // numbers that arrive as text (BIGINT, DECIMAL) sort by value.
  const sort = sorting[0];
  const sortedRows = useMemo(() => {
    if (!sort) return rows as Row[];
    const type = columns.find((c) => c.name === sort.id)?.type ?? "";
    return sortedRowIndexes(rows, sort.id, type, sort.desc ? "desc" : "asc").map((i) => rows[i]!);
  }, [rows, columns, sort]);

  const columnDefs = useMemo<ColumnDef<typeof features, Row, unknown>[]>(
    () =>
      columns.map((c) =>
        helper.accessor((row: Row) => row[c.name], {
          id: c.name,
          header: c.name,
        }),
      ),
    [columns],
  );

  const table = useTable({
    features,
    columns: columnDefs,
    data: sortedRows,
    state: { sorting },
    onSortingChange: setSorting,
    manualSorting: true,
    enableMultiSort: false,
    // The first click sorts ascending, for numbers too (TanStack starts numbers descending).
    sortDescFirst: false,
  });

  const tableRows = table.getRowModel().rows;
  const virtualizer = useVirtualizer({
    count: tableRows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });

  const widths = useMemo(() => columns.map((c) => widthOf(c, rows)), [columns, rows]);
  const template = `${ROW_NUMBER_WIDTH}px ${widths.map((w) => `${w}px`).join(" ")}`;
  const totalWidth = ROW_NUMBER_WIDTH + widths.reduce((a, b) => a + b, 0);
  const cellId = (row: number, col: number) => `${gridId}-r${row}-c${col}`;

  const activeValue = active ? sortedRows[active.row]?.[columns[active.col]?.name ?? ""] : undefined;
  const activeText = active ? (cellText(activeValue) ?? "NULL") : undefined;

  const copy = async () => {
    if (activeText === undefined || !active) return;
    try {
      await navigator.clipboard.writeText(activeText);
      setCopied(`Copied row ${formatCount(active.row + 1)}, ${columns[active.col]?.name}`);
    } catch {
      setCopied("The browser refused the clipboard; select the value below and copy it");
    }
    setTimeout(() => setCopied(undefined), 2500);
  };

  const moveTo = (next: ActiveCell) => {
    const row = Math.max(0, Math.min(tableRows.length - 1, next.row));
    const col = Math.max(0, Math.min(columns.length - 1, next.col));
    setActive({ row, col });
    virtualizer.scrollToIndex(row, { align: "auto" });
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (tableRows.length === 0 || columns.length === 0) return;
    const at = active ?? { row: 0, col: 0 };
    const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
    const moves: Record<string, ActiveCell> = {
      ArrowDown: { row: at.row + 1, col: at.col },
      ArrowUp: { row: at.row - 1, col: at.col },
      ArrowRight: { row: at.row, col: at.col + 1 },
      ArrowLeft: { row: at.row, col: at.col - 1 },
      PageDown: { row: at.row + page, col: at.col },
      PageUp: { row: at.row - page, col: at.col },
      Home: event.ctrlKey ? { row: 0, col: 0 } : { row: at.row, col: 0 },
      End: event.ctrlKey
        ? { row: tableRows.length - 1, col: columns.length - 1 }
        : { row: at.row, col: columns.length - 1 },
    };
    const next = moves[event.key];
    if (next) {
      event.preventDefault();
      moveTo(active ? next : at);
      return;
    }
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "c" && active) {
      event.preventDefault();
      void copy();
    }
  };

  return (
    <div>
      <div className="flex min-h-10 flex-wrap items-center gap-3 border-gray-100 border-b px-4 py-1.5 text-xs">
        <p className="min-w-0 flex-1 truncate text-gray-600" aria-live="polite">
          {active && activeText !== undefined ? (
            <>
              Row {formatCount(active.row + 1)},{" "}
              <span className="font-medium">{columns[active.col]?.name}</span>:{" "}
              <span className="font-mono">
                {activeText.length > 200 ? `${activeText.slice(0, 199)}…` : activeText}
              </span>
            </>
          ) : (
            "Choose a cell (click, or focus the grid and use the arrow keys) to copy it. Click a heading to sort."
          )}
        </p>
        <span role="status" className="text-emerald-700">
          {copied}
        </span>
        <Button
          variant="secondary"
          size="sm"
          disabled={!active}
          onClick={() => void copy()}
          icon={
            copied ? (
              <Check className="size-3.5" aria-hidden="true" />
            ) : (
              <Copy className="size-3.5" aria-hidden="true" />
            )
          }
        >
          Copy cell
        </Button>
      </div>
      {/* A table with the grid role (display: grid, rows placed by the virtualizer): it takes focus and
          announces the active cell through aria-activedescendant, so focus never sits on a row that
          scrolling removes from the page. */}
      <div
        ref={scrollRef}
        className="relative overflow-auto"
        // A short result takes the room it needs; a long one scrolls inside this height.
        style={{ height: Math.min(height, HEADER_HEIGHT + tableRows.length * ROW_HEIGHT + 2) }}
      >
        <table
          // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: ARIA's grid pattern on a table: arrow keys move the active cell, Ctrl+C copies it
          role="grid"
          aria-label="Query results"
          aria-rowcount={tableRows.length + 1}
          aria-colcount={columns.length + 1}
          aria-activedescendant={active ? cellId(active.row, active.col) : undefined}
          tabIndex={0}
          onKeyDown={onKeyDown}
          className="grid text-left focus-visible:outline-2 focus-visible:outline-accent-500 focus-visible:-outline-offset-2"
          style={{ width: totalWidth, minWidth: "100%" }}
        >
          <thead className="sticky top-0 z-10 grid border-gray-200 border-b bg-gray-50">
            {table.getHeaderGroups().map((group) => (
              <tr aria-rowindex={1} key={group.id} className="grid" style={{ gridTemplateColumns: template }}>
                <th scope="col" className="px-3 py-1.5 text-right font-normal text-gray-400 text-xs">
                  <span className="sr-only">Row</span>#
                </th>
                {group.headers.map((header, index) => {
                  const sorted = header.column.getIsSorted();
                  const type = columns[index]?.type ?? "";
                  return (
                    <th
                      scope="col"
                      key={header.id}
                      aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : "none"}
                      className="min-w-0 border-gray-200 border-l p-0 font-normal"
                    >
                      <button
                        type="button"
                        title={`Sort by ${header.column.id}`}
                        onClick={header.column.getToggleSortingHandler()}
                        className={clsx(
                          "flex w-full min-w-0 items-center gap-1.5 px-3 py-1.5 text-left hover:bg-gray-100",
                          "focus-visible:outline-2 focus-visible:outline-accent-500 focus-visible:-outline-offset-2",
                          columnKind(type) === "number" && "flex-row-reverse text-right",
                        )}
                      >
                        {/* A number column's heading sits at the right with its sort icon just before it
                            (no flex-1: the icon would be left at the far side, like an empty column). */}
                        <span className={clsx("min-w-0 truncate", columnKind(type) !== "number" && "flex-1")}>
                          <span className="block truncate font-medium text-gray-800 text-xs">
                            {header.column.id}
                          </span>
                          <span className="block truncate font-mono text-[10px] text-gray-500 uppercase">
                            {type}
                          </span>
                        </span>
                        {sorted === "asc" ? (
                          <ArrowUp aria-hidden="true" className="size-3.5 shrink-0 text-accent-600" />
                        ) : sorted === "desc" ? (
                          <ArrowDown aria-hidden="true" className="size-3.5 shrink-0 text-accent-600" />
                        ) : (
                          <ArrowUpDown aria-hidden="true" className="size-3.5 shrink-0 text-gray-300" />
                        )}
                      </button>
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody className="relative grid" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((item) => {
              const row = tableRows[item.index];
              if (!row) return null;
              return (
                <tr
                  key={row.id}
                  aria-rowindex={item.index + 2}
                  className="absolute top-0 left-0 grid w-full border-gray-100 border-b hover:bg-gray-50/70"
                  style={{
                    gridTemplateColumns: template,
                    height: ROW_HEIGHT,
                    transform: `translateY(${item.start}px)`,
                  }}
                >
                  <th
                    scope="row"
                    className="px-3 py-1.5 text-right font-mono font-normal text-gray-400 text-xs tabular-nums"
                  >
                    {formatCount(item.index + 1)}
                  </th>
                  {row.getAllCells().map((cell, col) => {
                    const value = cell.getValue();
                    const text = cellText(value);
                    const selected = active?.row === item.index && active.col === col;
                    const numeric = columnKind(columns[col]?.type ?? "") === "number";
                    return (
                      // In a grid each td is a gridcell, which has aria-selected; the grid handles the keys.
                      // biome-ignore lint/a11y/useAriaPropsSupportedByRole: a gridcell supports aria-selected
                      // biome-ignore lint/a11y/useKeyWithClickEvents: the grid's own keydown moves the active cell
                      <td
                        id={cellId(item.index, col)}
                        key={cell.id}
                        aria-selected={selected}
                        title={text ?? "NULL"}
                        onClick={() => setActive({ row: item.index, col })}
                        className={clsx(
                          "min-w-0 cursor-default truncate border-gray-100 border-l px-3 py-1.5 font-mono text-xs",
                          numeric && "text-right tabular-nums",
                          selected ? "bg-accent-50 ring-2 ring-accent-500 ring-inset" : "",
                          text === null ? "text-gray-400 italic" : "text-gray-800",
                        )}
                      >
                        {text === null ? "NULL" : text}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

// A list's table with the states every list has: loading, failed (with Retry), empty, and paged with "Load more".
import { clsx } from "clsx";
import type { LucideIcon } from "lucide-react";
import { Fragment, type ReactNode } from "react";
import { QueryError } from "@/components/query-error";
import { EmptyState } from "./empty-state";
import { LoadMoreFooter } from "./load-more-footer";
import { Skeleton } from "./skeleton";
import { Table, TBody, Td, THead, Th, Tr } from "./table";

export interface DataTableColumn<Row> {
  /** The heading; also the column's key, so unique within a table. */
  header: string;
  /** Read by screen readers only, for columns whose cells speak for themselves (row actions). */
  headerHidden?: boolean;
  cell: (row: Row) => ReactNode;
  /** Classes of the heading and the cells alike, such as "hidden md:table-cell" or "text-right". */
  className?: string;
  headerClassName?: string;
  cellClassName?: string;
  /** The whole value of a cell the column truncates. */
  cellTitle?: (row: Row) => string | undefined;
}

/** What the table reads of a query; TanStack's useQuery and useInfiniteQuery results both fit. */
export interface ListQuery {
  isPending: boolean;
  isError: boolean;
  error: unknown;
  isFetching: boolean;
  refetch: () => unknown;
}

export interface PagedListQuery extends ListQuery {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  isFetchNextPageError: boolean;
  fetchNextPage: () => unknown;
}

export interface DataTableEmpty {
  icon: LucideIcon;
  title: string;
  description?: ReactNode;
  action?: ReactNode;
}

export interface DataTablePaging {
  /** How much is shown, e.g. "50 of 120". */
  summary: ReactNode;
  /** Shown beside the rows already loaded when the next page fails. */
  failedMessage: string;
}

interface DataTableBaseProps<Row> {
  /** The table's accessible name. */
  label: string;
  /** The loading placeholder's accessible name, e.g. "Loading sources". */
  loadingLabel: string;
  /** Names the section when the API refuses access; the table's label when not given. */
  sectionLabel?: string;
  rows: readonly Row[] | undefined;
  rowKey: (row: Row) => string;
  rowClassName?: (row: Row) => string | undefined;
  /**
   * Content shown under a row across every column (such as a confirmation), when the row has any:
   * it takes the table's width, so it never widens a column.
   */
  rowDetail?: (row: Row) => { id: string; content: ReactNode } | undefined;
  columns: readonly DataTableColumn<Row>[];
  empty: DataTableEmpty;
}

export type DataTableProps<Row> = DataTableBaseProps<Row> &
  ({ query: ListQuery; paging?: undefined } | { query: PagedListQuery; paging: DataTablePaging });

const SKELETON_ROWS = [0, 1, 2, 3];
const SKELETON_WIDTHS = ["w-28", "w-16", "w-20", "w-24", "w-12"];

export function DataTable<Row>(props: DataTableProps<Row>) {
  const { query, rows = [], columns, label, loadingLabel, empty } = props;
  if (query.isPending) return <DataTableSkeleton label={loadingLabel} columns={columns} />;
  // A next page that failed leaves the rows already shown; the footer says so.
  const onlyNextPageFailed = props.paging !== undefined && props.query.isFetchNextPageError;
  if (query.isError && !onlyNextPageFailed) {
    return (
      <QueryError
        error={query.error}
        sectionLabel={props.sectionLabel ?? label}
        onRetry={() => void query.refetch()}
        retrying={query.isFetching}
      />
    );
  }
  if (rows.length === 0) {
    return (
      <EmptyState
        icon={empty.icon}
        title={empty.title}
        description={empty.description}
        action={empty.action}
      />
    );
  }
  return (
    <>
      <Table aria-label={label}>
        <THead>
          <tr>
            {columns.map((column) => (
              <Th key={column.header} className={clsx(column.className, column.headerClassName)}>
                {column.headerHidden ? <span className="sr-only">{column.header}</span> : column.header}
              </Th>
            ))}
          </tr>
        </THead>
        <TBody>
          {rows.map((row) => {
            const detail = props.rowDetail?.(row);
            return (
              <Fragment key={props.rowKey(row)}>
                <Tr className={clsx(props.rowClassName?.(row), detail && "border-b-0")}>
                  {columns.map((column) => (
                    <Td
                      key={column.header}
                      className={clsx(column.className, column.cellClassName)}
                      title={column.cellTitle?.(row)}
                    >
                      {column.cell(row)}
                    </Td>
                  ))}
                </Tr>
                {detail ? (
                  <tr id={detail.id} className={props.rowClassName?.(row)}>
                    <Td colSpan={columns.length} className="pt-0">
                      {detail.content}
                    </Td>
                  </tr>
                ) : null}
              </Fragment>
            );
          })}
        </TBody>
      </Table>
      {props.paging ? (
        <LoadMoreFooter
          summary={props.paging.summary}
          hasMore={props.query.hasNextPage}
          loading={props.query.isFetchingNextPage}
          failed={props.query.isFetchNextPageError}
          failedMessage={props.paging.failedMessage}
          onLoadMore={() => void props.query.fetchNextPage()}
        />
      ) : null}
    </>
  );
}

/** Rows of placeholder bars under the table's own columns, so that hidden columns stay hidden. */
function DataTableSkeleton<Row>({
  label,
  columns,
}: {
  label: string;
  columns: readonly DataTableColumn<Row>[];
}) {
  return (
    <div role="status" aria-busy="true" aria-label={label}>
      <Table aria-hidden="true">
        <THead>
          <tr>
            {columns.map((column) => (
              <Th key={column.header} className={clsx(column.className, column.headerClassName)}>
                <Skeleton className="inline-block h-3 w-12 align-middle" />
              </Th>
            ))}
          </tr>
        </THead>
        <TBody>
          {SKELETON_ROWS.map((row) => (
            <tr key={row}>
              {columns.map((column, index) => (
                <Td key={column.header} className={clsx(column.className, column.cellClassName)}>
                  <Skeleton
                    className={clsx(
                      "inline-block h-3.5 align-middle",
                      SKELETON_WIDTHS[(row + index) % SKELETON_WIDTHS.length],
                    )}
                  />
                </Td>
              ))}
            </tr>
          ))}
        </TBody>
      </Table>
    </div>
  );
}

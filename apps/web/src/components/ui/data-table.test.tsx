import { Inbox } from "lucide-react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { DataTable, type DataTableColumn, type PagedListQuery } from "./data-table";

interface Letter {
  id: string;
  reason: string;
}

const columns: DataTableColumn<Letter>[] = [
  { header: "Reason", cell: (letter) => letter.reason, cellTitle: (letter) => letter.reason },
  { header: "Open", headerHidden: true, className: "text-right", cell: () => "View" },
];

const settled: PagedListQuery = {
  isPending: false,
  isError: false,
  error: null,
  isFetching: false,
  refetch: () => undefined,
  hasNextPage: false,
  isFetchingNextPage: false,
  isFetchNextPageError: false,
  fetchNextPage: () => undefined,
};

function render(query: PagedListQuery, rows: Letter[] | undefined, paged = true): string {
  const common = {
    label: "Dead letters",
    loadingLabel: "Loading dead letters",
    rows,
    rowKey: (letter: Letter) => letter.id,
    columns,
    empty: { icon: Inbox, title: "No open dead letters", action: <button type="button">Send one</button> },
  };
  return renderToStaticMarkup(
    paged ? (
      <DataTable
        {...common}
        query={query}
        paging={{ summary: "1 of 3", failedMessage: "Couldn't load more." }}
      />
    ) : (
      <DataTable {...common} query={query} />
    ),
  );
}

describe("DataTable", () => {
  it("shows a named loading placeholder, and no rows, while the first page loads", () => {
    const html = render({ ...settled, isPending: true }, undefined);
    expect(html).toContain('role="status"');
    expect(html).toContain('aria-label="Loading dead letters"');
    expect(html).not.toContain('aria-label="Dead letters"');
  });

  it("replaces the list with the error and Retry when the list could not be loaded", () => {
    const html = render({ ...settled, isError: true, error: new Error("API down") }, undefined);
    expect(html).toContain('role="alert"');
    expect(html).toContain("Retry");
    expect(html).not.toContain("<table");
  });

  it("keeps the rows shown when only the next page failed, and says so in the footer", () => {
    const html = render(
      { ...settled, isError: true, isFetchNextPageError: true, hasNextPage: true, error: new Error("x") },
      [{ id: "a", reason: "SCHEMA_VIOLATION" }],
    );
    expect(html).toContain('aria-label="Dead letters"');
    expect(html).toContain("SCHEMA_VIOLATION");
    expect(html).toContain("Couldn&#x27;t load more.");
    expect(html).toContain("Load more");
    expect(html).not.toContain("Retry");
  });

  it("says the list is empty and offers its action", () => {
    const html = render(settled, []);
    expect(html).toContain("No open dead letters");
    expect(html).toContain("Send one");
    expect(html).not.toContain("<table");
  });

  it("renders each row under its columns, a hidden heading for screen readers only, and no footer unpaged", () => {
    const html = render(settled, [{ id: "a", reason: "MALFORMED_JSON" }], false);
    expect(html).toContain('<span class="sr-only">Open</span>');
    expect(html).toContain('title="MALFORMED_JSON"');
    expect(html).not.toContain("Load more");
    expect(html).not.toContain("1 of 3");
  });

  it("shows a row's detail in a row of its own under it, across every column", () => {
    const html = renderToStaticMarkup(
      <DataTable
        label="API keys"
        loadingLabel="Loading API keys"
        query={settled}
        rows={[
          { id: "a", reason: "first" },
          { id: "b", reason: "second" },
        ]}
        rowKey={(letter) => letter.id}
        columns={columns}
        empty={{ icon: Inbox, title: "No keys" }}
        rowDetail={(letter) =>
          letter.id === "a" ? { id: "confirm-a", content: <button type="button">Confirm</button> } : undefined
        }
      />,
    );
    const rows = html.match(/<tr[\s\S]*?<\/tr>/g) ?? [];
    // The heading row, row a, its detail, row b.
    expect(rows).toHaveLength(4);
    expect(rows[1]).toContain("first");
    expect(rows[2]).toContain('id="confirm-a"');
    expect(rows[2]).toContain(`colSpan="${columns.length}"`);
    expect(rows[2]).toContain("Confirm");
    expect(rows[3]).toContain("second");
    expect(html.match(/Confirm/g)).toHaveLength(1);
  });
});

"use client";
import { flexRender, getCoreRowModel, useReactTable, type ColumnDef, type SortingState } from "@tanstack/react-table";
import type { WorkflowSummary } from "@/lib/api/types";
import { countOf } from "@/features/shared/format";
import { PAGE_SIZE } from "./listQuery";

interface Props {
  rows: WorkflowSummary[];
  total: number;
  loaded: boolean;
  // Columns mix accessors of several value types; the table only renders them.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  columns: ColumnDef<WorkflowSummary, any>[];
  sorting: SortingState;
  setSorting: (sorting: SortingState) => void;
  page: number;
  setPage: (page: number) => void;
}

/** One page of workflows, sorted and paged by the server, with the pager under it. */
export function WorkflowTable({ rows, total, loaded, columns, sorting, setSorting, page, setPage }: Props) {
  const table = useReactTable({
    data: rows,
    columns,
    state: { sorting },
    onSortingChange: (change) => setSorting(typeof change === "function" ? change(sorting) : change),
    manualSorting: true,
    manualPagination: true,
    getCoreRowModel: getCoreRowModel(),
  });
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));

  return (
    <>
      <table className="grid">
        <thead>
          {table.getHeaderGroups().map((hg) => (
            <tr key={hg.id}>
              {hg.headers.map((h) => (
                <th key={h.id} aria-sort={h.column.getIsSorted() === "asc" ? "ascending" : h.column.getIsSorted() === "desc" ? "descending" : undefined}>
                  {h.column.getCanSort() ? (
                    <button type="button" onClick={h.column.getToggleSortingHandler()}>
                      {flexRender(h.column.columnDef.header, h.getContext())} {{ asc: "▲", desc: "▼" }[h.column.getIsSorted() as string] ?? ""}
                    </button>
                  ) : (
                    flexRender(h.column.columnDef.header, h.getContext())
                  )}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {table.getRowModel().rows.map((r) => (
            <tr key={r.id}>
              {r.getVisibleCells().map((c) => (
                <td key={c.id}>{flexRender(c.column.columnDef.cell, c.getContext())}</td>
              ))}
            </tr>
          ))}
          {loaded && rows.length === 0 && (
            <tr>
              <td colSpan={columns.length} className="muted">No workflow matches these filters. Clear the search or pick “Any” state.</td>
            </tr>
          )}
        </tbody>
      </table>
      <div className="row" style={{ marginTop: 8 }}>
        <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>Previous</button>
        <span>Page {page} of {pages} · {countOf(total, "workflow")}</span>
        <button type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>Next</button>
      </div>
    </>
  );
}

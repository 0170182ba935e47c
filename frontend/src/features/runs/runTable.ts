// The run history's table: sorting, the state filter and paging over one page of runs.
"use client";
import { useMemo, useState } from "react";
import { getCoreRowModel, getFilteredRowModel, getPaginationRowModel, getSortedRowModel, useReactTable, type ColumnDef, type ColumnFiltersState, type SortingState, type Table } from "@tanstack/react-table";
import type { RunSummary } from "@/lib/api/types";

export const RUNS_PER_PAGE = 25;
const NO_RUNS: RunSummary[] = [];
const NO_FILTERS: ColumnFiltersState = [];

/**
 * The table resets its page whenever its data or filters are new arrays, and that reset renders again: both
 * must keep their identity between renders, or one re-render turns into renders without end (issue #14).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- TanStack's column helper types each column's value
export function useRunTable(runs: RunSummary[] | null, stateFilter: string, columns: ColumnDef<RunSummary, any>[]): Table<RunSummary> {
  const [sorting, setSorting] = useState<SortingState>([{ id: "startedAt", desc: true }]);
  const columnFilters = useMemo(() => (stateFilter ? [{ id: "state", value: stateFilter }] : NO_FILTERS), [stateFilter]);
  return useReactTable({
    data: runs ?? NO_RUNS,
    columns,
    state: { sorting, columnFilters },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
    getPaginationRowModel: getPaginationRowModel(),
    initialState: { pagination: { pageSize: RUNS_PER_PAGE } },
  });
}

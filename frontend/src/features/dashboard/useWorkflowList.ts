// The dashboard's list: its filters, sorting and page, and the page of workflows the server answers for them.
"use client";
import { useCallback, useEffect, useState } from "react";
import type { SortingState } from "@tanstack/react-table";
import { api, query } from "@/lib/api/client";
import type { Page, WorkflowSummary } from "@/lib/api/types";
import { listParams, type ListFilters } from "./listQuery";

/** Typing in a filter asks once the typing pauses, not per keystroke. */
const ASK_AFTER_MS = 200;

export type FilterField = "search" | "tag" | "owner" | "state";

export function useWorkflowList(userId: string | undefined) {
  const [filters, setFilters] = useState<ListFilters>({ search: "", tag: "", owner: "all", state: "", sorting: [{ id: "updatedAt", desc: true }], page: 1 });
  const [data, setData] = useState<Page<WorkflowSummary> | null>(null);
  const [error, setError] = useState<unknown>(null);

  const reload = useCallback(async () => {
    try {
      setData(await api.get<Page<WorkflowSummary>>(`/workflows${query(listParams(filters, userId))}`));
      setError(null);
    } catch (e) {
      setError(e);
    }
  }, [filters, userId]);

  useEffect(() => {
    const t = setTimeout(reload, ASK_AFTER_MS);
    return () => clearTimeout(t);
  }, [reload]);

  /** A changed filter or sort order starts again at the first page. */
  const setFilter = useCallback(<K extends FilterField>(field: K, value: ListFilters[K]) => setFilters((f) => ({ ...f, [field]: value, page: 1 })), []);
  const setSorting = useCallback((sorting: SortingState) => setFilters((f) => ({ ...f, sorting, page: 1 })), []);
  const setPage = useCallback((page: number) => setFilters((f) => ({ ...f, page })), []);
  const unfiltered = !filters.search && !filters.tag && filters.owner === "all" && !filters.state;

  return { filters, setFilter, setSorting, setPage, unfiltered, data, error, setError, reload };
}

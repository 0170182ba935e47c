"use client";
import { useEffect, useMemo, useState } from "react";
import Link from "next/link";
import { createColumnHelper, flexRender } from "@tanstack/react-table";
import { api } from "@/lib/api/client";
import type { RunSummary, WorkflowDetail } from "@/lib/api/types";
import { ErrorMessage } from "@/features/shared/ErrorMessage";
import { durationBetween, formatDateTime, formatDuration } from "@/features/shared/format";
import { subscribeWorkflow } from "@/lib/realtime/hub";
import { capitalise, starterName, usePeople } from "./people";
import { AirflowUnreachableNote, fetchRunList } from "./runList";
import { RUNS_PER_PAGE, useRunTable } from "./runTable";

const col = createColumnHelper<RunSummary>();

export function History({ workflowId }: { workflowId: string }) {
  const [runs, setRuns] = useState<RunSummary[] | null>(null);
  const [name, setName] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [stateFilter, setStateFilter] = useState("");
  const [airflowUnreachable, setAirflowUnreachable] = useState(false);
  const { people, me } = usePeople(workflowId);

  useEffect(() => {
    api.get<WorkflowDetail>(`/workflows/${workflowId}`).then((d) => setName(d.document.metadata.name), () => undefined);
    const load = () =>
      fetchRunList(workflowId).then((list) => {
        setRuns(list.runs);
        setAirflowUnreachable(list.airflowUnreachable);
      }, setError);
    void load();
    return subscribeWorkflow(workflowId, () => void load());
  }, [workflowId]);

  const columns = useMemo(
    () => [
      col.accessor("state", { header: "State", cell: (c) => <span className={`badge ${c.getValue()}`}>{c.getValue()}</span>, filterFn: "equalsString" }),
      col.accessor("runId", { header: "Run", cell: (c) => <Link href={`/workflows/${workflowId}/runs/${encodeURIComponent(c.getValue())}`}>{c.getValue()}</Link> }),
      col.accessor((r) => r.runType || (r.triggeredBy ? "manual" : "scheduled"), { id: "source", header: "Trigger" }),
      col.accessor((r) => starterName(r.triggeredBy, me, people).text, {
        id: "triggeredBy",
        header: "Who",
        cell: (c) => <span title={starterName(c.row.original.triggeredBy, me, people).title}>{capitalise(c.getValue())}</span>,
      }),
      col.accessor("startedAt", { header: "Started", cell: (c) => formatDateTime(c.getValue()) }),
      col.accessor((r) => durationBetween(r.startedAt, r.endedAt), { id: "duration", header: "Duration", cell: (c) => formatDuration(c.getValue()) }),
      col.accessor("version", { header: "Version", cell: (c) => (c.getValue() ? `v${c.getValue()}` : "—") }),
    ],
    [workflowId, me, people],
  );
  const table = useRunTable(runs, stateFilter, columns);

  return (
    <main className="page">
      <p><Link href={`/workflows/${workflowId}`}>← Back to the editor</Link></p>
      <h1>Run history{name ? `: ${name}` : ""}</h1>
      <div className="toolbar">
        <label>
          State
          <select value={stateFilter} onChange={(e) => setStateFilter(e.target.value)}>
            <option value="">Any</option>
            {["success", "failed", "running", "queued", "cancelled"].map((s) => <option key={s}>{s}</option>)}
          </select>
        </label>
      </div>
      {error !== null && <ErrorMessage error={error} doing="load the run history" />}
      <AirflowUnreachableNote shown={airflowUnreachable} />
      {runs && runs.length === 0 ? (
        <div className="empty"><p>No runs yet. Deploy the workflow, then start a run from the editor&apos;s Run tab.</p></div>
      ) : (
        <table className="grid">
          <thead>
            {table.getHeaderGroups().map((hg) => (
              <tr key={hg.id}>
                {hg.headers.map((h) => (
                  <th key={h.id}>
                    <button type="button" onClick={h.column.getToggleSortingHandler()}>
                      {flexRender(h.column.columnDef.header, h.getContext())} {{ asc: "▲", desc: "▼" }[h.column.getIsSorted() as string] ?? ""}
                    </button>
                  </th>
                ))}
              </tr>
            ))}
          </thead>
          <tbody>
            {table.getRowModel().rows.map((r) => (
              <tr key={r.id}>{r.getVisibleCells().map((c) => <td key={c.id}>{flexRender(c.column.columnDef.cell, c.getContext())}</td>)}</tr>
            ))}
          </tbody>
        </table>
      )}
      {runs && runs.length > RUNS_PER_PAGE && (
        <div className="row" style={{ marginTop: 8 }}>
          <button type="button" disabled={!table.getCanPreviousPage()} onClick={() => table.previousPage()}>Previous</button>
          <span>Page {table.getState().pagination.pageIndex + 1} of {table.getPageCount()}</span>
          <button type="button" disabled={!table.getCanNextPage()} onClick={() => table.nextPage()}>Next</button>
        </div>
      )}
    </main>
  );
}

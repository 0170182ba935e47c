"use client";
import { useCallback, useMemo, useState } from "react";
import { useRouter } from "next/navigation";
import { api } from "@/lib/api/client";
import type { WorkflowDetail, WorkflowSummary } from "@/lib/api/types";
import { useSession } from "@/features/auth/session";
import { loadTaskTypes } from "@/features/catalog/useTaskTypes";
import { exampleDocument } from "@/features/catalog/examples";
import { emptyDocument } from "@/features/document/operations";
import { ErrorMessage } from "@/features/shared/ErrorMessage";
import { workflowColumns } from "./columns";
import { DeleteWorkflowDialog } from "./DeleteWorkflowDialog";
import { FirstPipeline } from "./FirstPipeline";
import { useWorkflowList } from "./useWorkflowList";
import { WorkflowFilters } from "./WorkflowFilters";
import { WorkflowTable } from "./WorkflowTable";

/** The same empty list on every render while loading, so the table does not see new data each time. */
const NO_ROWS: WorkflowSummary[] = [];

export function Dashboard() {
  const router = useRouter();
  const user = useSession((s) => s.user);
  const list = useWorkflowList(user?.id);
  const { setError, reload } = list;
  const [message, setMessage] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<WorkflowSummary | null>(null);
  const [busy, setBusy] = useState(false);

  async function create(fromExample: boolean) {
    setBusy(true);
    try {
      const doc = fromExample ? exampleDocument(await loadTaskTypes()) : emptyDocument();
      if (!doc) throw new Error("The task catalog has no example to offer yet.");
      const created = await api.post<WorkflowDetail>("/workflows", doc);
      router.push(`/workflows/${created.id}`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }

  /** Runs one row action, says what it did, and shows the list as it is afterwards. */
  const act = useCallback(
    async (label: string, fn: () => Promise<string | void>) => {
      setMessage(null);
      try {
        const m = await fn();
        if (m) setMessage(m);
        await reload();
      } catch (e) {
        setError(e);
        setMessage(`${label} failed.`);
      }
    },
    [reload, setError],
  );

  const remove = useCallback(
    (w: WorkflowSummary, withResults: boolean) =>
      void act("Delete", async () => {
        await api.delete(`/workflows/${w.id}${withResults ? "?deleteResults=true" : ""}`);
        return `Deleted “${w.name}”${withResults ? " and its run results" : ""}.`;
      }),
    [act],
  );

  const columns = useMemo(
    () =>
      workflowColumns(user?.id, {
        open: (w) => router.push(`/workflows/${w.id}`),
        run: (w) => void act("Run", async () => {
          await api.post(`/workflows/${w.id}/runs`, { params: {} });
          return `Started a run of “${w.name}”. Open it to watch.`;
        }),
        duplicate: (w) => void act("Duplicate", async () => {
          const copy = await api.post<WorkflowDetail>(`/workflows/${w.id}/duplicate`);
          return `Created “${copy.document.metadata.name}”.`;
        }),
        askToDelete: setConfirmDelete,
      }),
    [act, router, user?.id],
  );

  return (
    <main className="page">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h1>Workflows</h1>
        <div className="row">
          <button type="button" onClick={() => create(true)} disabled={busy}>New from example</button>
          <button type="button" className="primary" onClick={() => create(false)} disabled={busy}>New workflow</button>
        </div>
      </div>
      <WorkflowFilters filters={list.filters} setFilter={list.setFilter} />
      {list.error !== null && <ErrorMessage error={list.error} doing="load the workflows" />}
      {message && <p className="notice" role="status">{message}</p>}
      {list.data && list.data.total === 0 && list.unfiltered ? (
        <FirstPipeline create={create} busy={busy} />
      ) : (
        <WorkflowTable
          rows={list.data?.items ?? NO_ROWS}
          total={list.data?.total ?? 0}
          loaded={list.data !== null}
          columns={columns}
          sorting={list.filters.sorting}
          setSorting={list.setSorting}
          page={list.filters.page}
          setPage={list.setPage}
        />
      )}
      <DeleteWorkflowDialog workflow={confirmDelete} onDelete={remove} onClose={() => setConfirmDelete(null)} />
    </main>
  );
}

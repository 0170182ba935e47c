"use client";
import { api } from "@/lib/api/client";
import { useEditor } from "@/features/editor/store";
import { formatDateTime, formatDuration } from "@/features/shared/format";

/** The bottom panel's "Task results": the current run's tasks with their state, time, log and retry. */
export function RunResults({ workflowId, canExecute, refresh, onError }: { workflowId: string; canExecute: boolean; refresh: () => void; onError: (e: unknown) => void }) {
  const run = useEditor((s) => s.run);
  const openLog = useEditor((s) => s.openLog);
  if (!run) return <p className="muted">No run yet. Deploy the workflow, then start a run from the Run tab on the right.</p>;
  const params = Object.entries(run.params ?? {});
  const retry = (taskId: string) =>
    api.post(`/workflows/${workflowId}/runs/${encodeURIComponent(run.runId)}/tasks/${encodeURIComponent(taskId)}/retry`).then(refresh, onError);
  return (
    <section aria-label="Current run" className="stack">
      <div className="row">
        <strong>Run</strong> <code title={run.runId}>{run.runId}</code>
        <span className={`badge ${run.state}`} data-testid="run-state">{run.state}</span>
        <span className="hint">started {formatDateTime(run.startedAt)}</span>
        {params.length > 0 && <span className="hint">· {params.map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(", ")}</span>}
      </div>
      <table className="grid">
        <thead>
          <tr><th>Task</th><th>State</th><th>Try</th><th>Time</th><th /></tr>
        </thead>
        <tbody>
          {run.tasks.map((t) => (
            <tr key={t.taskId}>
              <td>{t.taskId}</td>
              <td><span className={`badge ${t.state ?? "none"}`}>{t.state ?? "no status"}</span></td>
              <td className="hint">{Math.max(1, t.tryNumber)}</td>
              <td className="hint">{formatDuration(t.durationSeconds)}</td>
              <td>
                <div className="row">
                  <button type="button" className="small" onClick={() => openLog(t.taskId, Math.max(1, t.tryNumber))}>Log</button>
                  {canExecute && (t.state === "failed" || t.state === "upstream_failed") && (
                    <button type="button" className="small" onClick={() => retry(t.taskId)}>Retry</button>
                  )}
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

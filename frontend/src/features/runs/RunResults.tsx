"use client";
import { api } from "@/lib/api/client";
import { useEditor } from "@/features/document/store";
import { countOf, formatDateTime, formatDuration } from "@/features/shared/format";

/** A task that has run (or will not run) may be run again; one in flight may not (the API answers 409). */
const RETRYABLE = new Set(["success", "failed", "upstream_failed", "skipped"]);

/**
 * The bottom panel's "Task results": the current run's steps with their state, time, log and retry. With fused
 * execution several steps ran in one Airflow task; the table names it, a step's log is that task's log, and a retry
 * runs the whole task again.
 */
export function RunResults({ workflowId, canExecute, refresh, onError }: { workflowId: string; canExecute: boolean; refresh: () => void; onError: (e: unknown) => void }) {
  const run = useEditor((s) => s.run);
  const openLog = useEditor((s) => s.openLog);
  if (!run) return <p className="muted">No run yet. Deploy the workflow, then start a run from the Run tab on the right.</p>;
  const params = Object.entries(run.params ?? {});
  const fused = run.steps.some((s) => s.taskId !== s.stepId);
  const together = (taskId: string) => run.steps.filter((s) => s.taskId === taskId).map((s) => s.stepId);
  const retry = (stepId: string) =>
    api.post(`/workflows/${workflowId}/runs/${encodeURIComponent(run.runId)}/tasks/${encodeURIComponent(stepId)}/retry`).then(refresh, onError);
  return (
    <section aria-label="Current run" className="stack">
      <div className="row">
        <strong>Run</strong> <code title={run.runId} data-testid="run-id">{run.runId}</code>
        <span className={`badge ${run.state}`} data-testid="run-state">{run.state}</span>
        <span className="hint">started {formatDateTime(run.startedAt)}</span>
        {params.length > 0 && <span className="hint">· {params.map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(", ")}</span>}
      </div>
      <table className="grid">
        <thead>
          <tr><th>Step</th><th>State</th>{fused && <th>Airflow task</th>}<th>Try</th><th>Time</th><th /></tr>
        </thead>
        <tbody>
          {run.steps.map((s) => (
            <tr key={s.stepId}>
              <td>{s.stepId}</td>
              <td>
                <span className={`badge ${s.state ?? "none"}`}>{s.state ?? "no status"}</span>
                {s.rows !== null && <span className="hint"> {countOf(s.rows, "row")}</span>}
                {s.error && <div className="hint field-problem">{s.error}</div>}
              </td>
              {fused && <td className="hint"><code>{s.taskId}</code></td>}
              <td className="hint">{Math.max(1, s.tryNumber)}</td>
              <td className="hint">{formatDuration(s.durationSeconds)}</td>
              <td>
                <div className="row">
                  <button type="button" className="small" onClick={() => openLog(s.stepId, Math.max(1, s.tryNumber))}>Log</button>
                  {canExecute && s.state !== null && RETRYABLE.has(s.state) && (
                    <button
                      type="button"
                      className="small"
                      onClick={() => retry(s.stepId)}
                      title={s.taskId === s.stepId ? undefined : `Runs Airflow task ${s.taskId} again: ${together(s.taskId).join(", ")}`}
                    >
                      Retry
                    </button>
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

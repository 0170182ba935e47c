"use client";
import { useEffect, useState } from "react";
import Link from "next/link";
import { api } from "@/lib/api/client";
import type { ParamSpec, RunPage } from "@/lib/api/types";
import { ErrorMessage } from "@/features/shared/ErrorMessage";
import { formatDuration } from "@/features/shared/format";
import { coerceParam } from "@/features/editor/settings/SettingsPanel";
import { useEditor } from "@/features/editor/store";
import { LogPanel } from "./LogPanel";
import { ACTIVE_STATES, useRun } from "./useRun";

/** Start a run with its params, watch its tasks on the graph, read logs, retry or cancel. */
export function RunPanel({ workflowId, params, canExecute, dirty }: { workflowId: string; params: Record<string, ParamSpec>; canExecute: boolean; dirty: boolean }) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [runId, setRunId] = useState<string | null>(null);
  const [logTask, setLogTask] = useState<{ taskId: string; tryNumber: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const { run, refresh } = useRun(workflowId, runId);
  const setRun = useEditor((s) => s.setRun);

  useEffect(() => {
    api.get<RunPage>(`/workflows/${workflowId}/runs`).then(
      (page) => setRunId((current) => current ?? page.items[0]?.runId ?? null),
      () => undefined,
    );
  }, [workflowId]);
  useEffect(() => {
    setRun(run?.state ?? null, run?.tasks ?? []);
  }, [run, setRun]);
  useEffect(() => () => setRun(null, []), [setRun]);

  async function act(fn: () => Promise<unknown>) {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const trigger = () =>
    act(async () => {
      const body: Record<string, unknown> = {};
      for (const [name, spec] of Object.entries(params)) {
        const v = values[name];
        body[name] = v === undefined || v === "" ? spec.default : coerceParam(spec.type, v);
      }
      const r = await api.post<{ runId: string; state: string }>(`/workflows/${workflowId}/runs`, { params: body });
      setLogTask(null);
      setRunId(r.runId);
    });

  const active = run ? ACTIVE_STATES.has(run.state) : false;
  return (
    <div className="panel">
      <h2>Run</h2>
      {Object.keys(params).length > 0 && (
        <fieldset className="stack" style={{ border: "none", padding: 0 }} disabled={!canExecute}>
          <legend className="hint">Parameters for this run</legend>
          {Object.entries(params).map(([name, spec]) => (
            <label key={name}>
              {name} <span className="hint">({spec.type})</span>
              {spec.type === "boolean" ? (
                <select value={values[name] ?? String(spec.default ?? false)} onChange={(e) => setValues({ ...values, [name]: e.target.value })}>
                  <option value="true">true</option>
                  <option value="false">false</option>
                </select>
              ) : (
                <input
                  type={spec.type === "date" ? "date" : spec.type === "string" ? "text" : "number"}
                  value={values[name] ?? (spec.default === undefined ? "" : String(spec.default))}
                  onChange={(e) => setValues({ ...values, [name]: e.target.value })}
                />
              )}
              {spec.description && <span className="hint">{spec.description}</span>}
            </label>
          ))}
        </fieldset>
      )}
      {dirty && <p className="warn-box">Runs use the deployed version. Save and deploy to run your latest changes.</p>}
      <div className="row">
        <button type="button" className="primary" disabled={!canExecute || busy} onClick={trigger} title={canExecute ? undefined : "Your role cannot start runs"}>
          Start run
        </button>
        {run && active && canExecute && (
          <button type="button" className="danger" disabled={busy} onClick={() => act(async () => { await api.post(`/workflows/${workflowId}/runs/${encodeURIComponent(run.runId)}/cancel`); refresh(); })}>
            Cancel run
          </button>
        )}
        <Link href={`/workflows/${workflowId}/runs`}>History</Link>
      </div>
      {error !== null && <ErrorMessage error={error} doing="start the run" />}
      {run && (
        <section aria-label="Current run" className="stack">
          <div className="row">
            <strong>Run</strong> <code title={run.runId}>{run.runId.slice(0, 28)}</code>
            <span className={`badge ${run.state}`} data-testid="run-state">{run.state}</span>
          </div>
          <table className="grid">
            <thead>
              <tr><th>Task</th><th>State</th><th>Time</th><th /></tr>
            </thead>
            <tbody>
              {run.tasks.map((t) => (
                <tr key={t.taskId}>
                  <td>{t.taskId}</td>
                  <td><span className={`badge ${t.state ?? "none"}`}>{t.state ?? "no status"}</span></td>
                  <td className="hint">{formatDuration(t.durationSeconds)}</td>
                  <td>
                    <div className="row">
                      <button type="button" className="small" onClick={() => setLogTask({ taskId: t.taskId, tryNumber: Math.max(1, t.tryNumber) })}>Log</button>
                      {canExecute && (t.state === "failed" || t.state === "upstream_failed") && (
                        <button type="button" className="small" onClick={() => act(async () => { await api.post(`/workflows/${workflowId}/runs/${encodeURIComponent(run.runId)}/tasks/${encodeURIComponent(t.taskId)}/retry`); refresh(); })}>
                          Retry
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {logTask && <LogPanel workflowId={workflowId} runId={run.runId} taskId={logTask.taskId} tryNumber={logTask.tryNumber} />}
        </section>
      )}
    </div>
  );
}

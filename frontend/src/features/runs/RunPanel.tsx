"use client";
import { useState } from "react";
import Link from "next/link";
import { api } from "@/lib/api/client";
import type { ParamSpec } from "@/lib/api/types";
import { ErrorMessage } from "@/features/shared/ErrorMessage";
import { coerceParam } from "@/features/document/params";
import { useEditor } from "@/features/document/store";
import { ACTIVE_STATES } from "./useRun";

/** The sidebar's Run tab: start a run with its params, cancel it; its tasks and logs show in the bottom panel. */
export function RunPanel({ workflowId, params, canExecute, dirty, onStarted, refresh }: {
  workflowId: string;
  params: Record<string, ParamSpec>;
  canExecute: boolean;
  dirty: boolean;
  /** A run was started: the editor follows it. */
  onStarted: (runId: string) => void;
  refresh: () => void;
}) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = useEditor((s) => s.run);
  const openPanel = useEditor((s) => s.openPanel);

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
      onStarted(r.runId);
      openPanel("results");
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
        <Link href={`/workflows/${workflowId}/runs`}>All runs</Link>
      </div>
      {error !== null && <ErrorMessage error={error} doing="start the run" />}
      {run && (
        <div className="row">
          <span className="hint">Latest run</span> <code title={run.runId}>{run.runId.slice(0, 28)}</code>
          <span className={`badge ${run.state}`}>{run.state}</span>
          <button type="button" className="small" onClick={() => openPanel("results")}>Show its tasks</button>
        </div>
      )}
      {run?.message && <p className="hint" data-testid="run-message">{run.message}</p>}
      <p className="hint">Click a step on the canvas to read its log from this run.</p>
    </div>
  );
}

"use client";
import { useEffect, useRef, useState } from "react";
import type { PreviewResult, TaskType } from "@/lib/api/types";
import { describeError, type FriendlyError } from "@/lib/api/problem";
import { useEditor } from "../store";
import { columnLabel, fetchPreview, formatCell, PREVIEW_ROWS, previewAvailability } from "./preview";

type State = { kind: "idle" } | { kind: "running" } | { kind: "done"; result: PreviewResult } | { kind: "failed"; error: FriendlyError };

/** "Preview" in the config panel: runs the saved step on a sample and shows its rows and column types. */
export function DataPreview({ taskId, type }: { taskId: string; type: TaskType | undefined }) {
  const workflowId = useEditor((s) => s.workflowId);
  const role = useEditor((s) => s.role);
  const saved = useEditor((s) => s.baseDoc);
  const current = useEditor((s) => s.doc);
  const [state, setState] = useState<State>({ kind: "idle" });
  const runId = useRef(0);
  const section = useRef<HTMLElement>(null);
  // Another step selected: its preview starts empty, and an answer still on its way for the old one is dropped.
  useEffect(() => {
    runId.current += 1;
    setState({ kind: "idle" });
  }, [taskId]);

  // The preview sits under the form: bring its outcome into view in a long panel.
  useEffect(() => {
    if (state.kind === "done" || state.kind === "failed") section.current?.scrollIntoView?.({ block: "nearest" });
  }, [state.kind]);

  if (!current || !workflowId) return null;
  const availability = previewAvailability(type, role, saved, current, taskId);

  async function run() {
    const mine = ++runId.current;
    setState({ kind: "running" });
    try {
      const result = await fetchPreview(workflowId as string, taskId, PREVIEW_ROWS);
      if (mine === runId.current) setState({ kind: "done", result });
    } catch (e) {
      if (mine === runId.current) setState({ kind: "failed", error: describeError(e, "preview this step") });
    }
  }

  return (
    <section className="preview" aria-label="Data preview" ref={section}>
      <div className="row">
        <h3>Data preview</h3>
        <span className="spacer" />
        <button type="button" onClick={run} disabled={!availability.ok || state.kind === "running"}>
          {state.kind === "done" || state.kind === "failed" ? "Preview again" : "Preview"}
        </button>
      </div>
      {!availability.ok && <p className="hint">{availability.reason}</p>}
      {availability.ok && availability.note && <p className="warn-box">{availability.note}</p>}
      {state.kind === "running" && (
        <p role="status" className="muted">
          <progress aria-label="Preview running" /> Running this step on the first {PREVIEW_ROWS} rows…
        </p>
      )}
      {state.kind === "failed" && (
        <div className="error-box" role="alert">
          <strong>{state.error.title}</strong>
          {state.error.detail && <p>{state.error.detail}</p>}
        </div>
      )}
      {state.kind === "done" && <PreviewTable result={state.result} />}
    </section>
  );
}

function PreviewTable({ result }: { result: PreviewResult }) {
  return (
    <>
      <p className="muted" role="status">
        {result.rows.length === 0 ? "The step produced no rows." : `${result.rows.length} row${result.rows.length === 1 ? "" : "s"}`} · {result.schema.length} column{result.schema.length === 1 ? "" : "s"}
      </p>
      <table className="grid schema" aria-label="Columns">
        <thead><tr><th>Column</th><th>Type</th></tr></thead>
        <tbody>
          {result.schema.map((c) => <tr key={c.name}><td>{c.name}</td><td>{columnLabel(c)}</td></tr>)}
        </tbody>
      </table>
      {result.rows.length > 0 && (
        <div className="preview-rows">
          <table className="grid" aria-label="Preview rows">
            <thead>
              <tr>{result.schema.map((c) => <th key={c.name} title={columnLabel(c)}>{c.name}</th>)}</tr>
            </thead>
            <tbody>
              {result.rows.map((row, i) => (
                <tr key={i}>
                  {result.schema.map((c) => {
                    const cell = formatCell(row[c.name]);
                    return <td key={c.name} className={cell.missing ? "muted" : undefined} title={cell.missing ? "no value" : undefined}>{cell.text}</td>;
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

"use client";
import type { PreviewResult, TaskType } from "@/lib/api/types";
import { describeError } from "@/lib/api/problem";
import { countOf } from "@/features/shared/format";
import { useEditor, type PreviewState } from "@/features/document/store";
import { useKnownColumns } from "@/features/document/pickers";
import { columnLabel, fetchPreview, formatCell, PREVIEW_ROWS, previewAvailability, type PreviewAvailability } from "./preview";

let latestRequest = 0;

/** Runs the saved step on a sample and shows the outcome in the bottom panel; an older answer never replaces a newer one. */
export async function startPreview(taskId: string): Promise<void> {
  const st = useEditor.getState();
  if (!st.workflowId) return;
  const mine = ++latestRequest;
  st.setPreview(taskId, { kind: "running" });
  st.openPanel("preview");
  try {
    const result = await fetchPreview(st.workflowId, taskId, PREVIEW_ROWS);
    // The step's columns are offered in the column pickers of the steps that read it.
    useKnownColumns.getState().remember(taskId, result.schema.map((c) => c.name));
    if (mine === latestRequest) useEditor.getState().setPreview(taskId, { kind: "done", result });
  } catch (e) {
    if (mine === latestRequest) useEditor.getState().setPreview(taskId, { kind: "failed", error: describeError(e, "preview this step") });
  }
}

/** Whether the step can be previewed now, from the editor's state. */
function useAvailability(taskId: string, type: TaskType | undefined): PreviewAvailability | null {
  const role = useEditor((s) => s.role);
  const saved = useEditor((s) => s.baseDoc);
  const current = useEditor((s) => s.doc);
  return current ? previewAvailability(type, role, saved, current, taskId) : null;
}

/** "Preview data" in the step's configuration: the rows show in the bottom panel. */
export function PreviewButton({ taskId, type }: { taskId: string; type: TaskType | undefined }) {
  const availability = useAvailability(taskId, type);
  const running = useEditor((s) => s.preview?.taskId === taskId && s.preview.state.kind === "running");
  if (!availability) return null;
  return (
    <div className="row">
      <button type="button" onClick={() => void startPreview(taskId)} disabled={!availability.ok || running} title={availability.ok ? `Run ${taskId} on the first ${PREVIEW_ROWS} rows` : availability.reason}>
        Preview data
      </button>
      {!availability.ok && <span className="hint">{availability.reason}</span>}
    </div>
  );
}

/** The bottom panel's "Data preview": the selected step's rows and column types on a sample of the saved version. */
export function DataPreview({ taskId, type }: { taskId: string | null; type: TaskType | undefined }) {
  const preview = useEditor((s) => s.preview);
  if (!taskId) return <p className="muted">Select a step on the canvas to preview the data it produces.</p>;
  return <StepPreview taskId={taskId} type={type} state={preview?.taskId === taskId ? preview.state : { kind: "idle" }} />;
}

function StepPreview({ taskId, type, state }: { taskId: string; type: TaskType | undefined; state: PreviewState }) {
  const availability = useAvailability(taskId, type);
  if (!availability) return null;
  return (
    <section className="preview" aria-label="Data preview">
      <div className="row">
        <h3>Data preview of {taskId}</h3>
        <button type="button" onClick={() => void startPreview(taskId)} disabled={!availability.ok || state.kind === "running"}>
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
        {result.rows.length === 0 ? "The step produced no rows." : countOf(result.rows.length, "row")} · {countOf(result.schema.length, "column")}
      </p>
      <div className="preview-tables">
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
      </div>
    </>
  );
}

"use client";
import { useEffect, useState } from "react";
import { api } from "@/lib/api/client";
import type { ResultFile, RunResults, StepResult } from "@/lib/api/types";
import { ErrorMessage } from "@/features/shared/ErrorMessage";
import { countOf, formatBytes } from "@/features/shared/format";
import { useEditor } from "@/features/document/store";
import { useKnownColumns } from "@/features/document/pickers";
import { encodePath } from "@/features/files/store";
import { saveDownload } from "@/features/files/FilesPanel";

const fileUrl = (workflowId: string, runId: string, f: ResultFile) =>
  f.location === "files" ? `/workflows/${workflowId}/files/${encodePath(f.name)}` : `/workflows/${workflowId}/runs/${encodeURIComponent(runId)}/results/${encodeURIComponent(f.name)}`;

/** What the current run produced, asked again whenever the run's state changes; column names feed the pickers. */
function useRunResults(workflowId: string): { results: RunResults | null; error: unknown } {
  const runId = useEditor((s) => s.run?.runId ?? null);
  const state = useEditor((s) => s.run?.state ?? null);
  const [answer, setAnswer] = useState<{ results: RunResults | null; error: unknown }>({ results: null, error: null });
  useEffect(() => {
    if (!runId) return;
    let stale = false;
    api.get<RunResults>(`/workflows/${workflowId}/runs/${encodeURIComponent(runId)}/results`).then(
      (results) => {
        if (stale) return;
        for (const step of results.steps) if (step.columnNames?.length) useKnownColumns.getState().remember(step.stepId, step.columnNames);
        setAnswer({ results, error: null });
      },
      (error) => !stale && setAnswer({ results: null, error }),
    );
    return () => { stale = true; };
  }, [workflowId, runId, state]);
  return answer;
}

/** A chart or report shown inline from a blob: a report runs in a sandboxed frame without scripts. */
function InlinePreview({ url, file }: { url: string; file: ResultFile }) {
  const [src, setSrc] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let href: string | null = null;
    let stale = false;
    api.blob(url).then((blob) => {
      if (stale) return;
      href = URL.createObjectURL(blob);
      setSrc(href);
    }, setError);
    return () => {
      stale = true;
      if (href) URL.revokeObjectURL(href);
    };
  }, [url]);
  if (error) return <ErrorMessage error={error} doing={`show ${file.name}`} />;
  if (!src) return <p className="muted" role="status">Loading {file.name}…</p>;
  return file.kind === "image"
    ? // A blob of this page, not an image next/image could optimise.
      // eslint-disable-next-line @next/next/no-img-element
      <img src={src} alt={`Chart ${file.name}`} className="result-image" />
    : <iframe src={src} title={`Report ${file.name}`} sandbox="" className="result-report" />;
}

function StepOutput({ workflowId, runId, step, onError }: { workflowId: string; runId: string; step: StepResult; onError: (e: unknown) => void }) {
  const [shown, setShown] = useState<string | null>(null);
  const table = step.rows !== null ? `${countOf(step.rows, "row")}${step.columns !== null ? `, ${countOf(step.columns, "column")}` : ""}` : null;
  return (
    <li className="stack" data-testid={`output-${step.stepId}`}>
      <div className="row">
        <strong>{step.stepId}</strong>
        {step.state && <span className={`badge ${step.state}`}>{step.state}</span>}
        {table && <span className="hint">{table}</span>}
        {step.files.length === 0 && <span className="hint">no files</span>}
      </div>
      {step.files.map((f) => (
        <div key={`${f.location}:${f.name}`} className="row">
          <code>{f.name}</code>
          <span className="hint">{f.location === "files" ? "exported to the data folder · " : ""}{formatBytes(f.bytes)}</span>
          <button type="button" className="small" onClick={() => saveDownload(fileUrl(workflowId, runId, f), f.name).catch(onError)}>Download</button>
          {(f.kind === "image" || f.kind === "report") && (
            <button type="button" className="small" aria-expanded={shown === f.name} onClick={() => setShown(shown === f.name ? null : f.name)}>
              {shown === f.name ? "Hide" : f.kind === "image" ? "Show chart" : "Show report"}
            </button>
          )}
        </div>
      ))}
      {step.files.filter((f) => f.name === shown).map((f) => <InlinePreview key={f.name} url={fileUrl(workflowId, runId, f)} file={f} />)}
    </li>
  );
}

/** The bottom panel's "Run outputs" (all steps) or, with stepId, one step's outputs beside its log. */
export function RunOutputs({ workflowId, stepId, onError }: { workflowId: string; stepId?: string; onError: (e: unknown) => void }) {
  const runId = useEditor((s) => s.run?.runId ?? null);
  const { results, error } = useRunResults(workflowId);
  if (!runId) return <p className="muted">No run yet. Deploy the workflow, then start a run from the Run tab on the right.</p>;
  if (error) return <ErrorMessage error={error} doing="list the run's outputs" />;
  if (!results || results.runId !== runId) return <p className="muted" role="status">Loading the run&apos;s outputs…</p>;
  const steps = stepId ? results.steps.filter((s) => s.stepId === stepId) : results.steps;
  return (
    <section aria-label={stepId ? `Outputs of ${stepId}` : "Run outputs"}>
      {steps.length === 0 ? <p className="muted">Nothing was written by {stepId ?? "this run"} yet.</p> : (
        <ul className="outputs">
          {steps.map((s) => <StepOutput key={s.stepId} workflowId={workflowId} runId={runId} step={s} onError={onError} />)}
        </ul>
      )}
    </section>
  );
}

"use client";
import { useEffect, useMemo, useState } from "react";
import { api } from "@/lib/api/client";
import type { RenderedFile } from "@/lib/api/types";
import { Dialog } from "@/features/shared/Dialog";
import { ErrorMessage } from "@/features/shared/ErrorMessage";
import { tokenize } from "./pythonTokens";

/** Python source with colours from our own tokenizer; read-only, selectable, one element per token. */
export function PythonCode({ source }: { source: string }) {
  const tokens = useMemo(() => tokenize(source), [source]);
  return (
    <pre className="code-view" data-testid="dag-code" aria-label="DAG file">
      <code>{tokens.map((t, i) => (t.kind === "space" || t.kind === "name" ? t.text : <span key={i} className={`tok-${t.kind}`}>{t.text}</span>))}</code>
    </pre>
  );
}

/**
 * The DAG file a deployment wrote, as the render endpoint produces it for the deployed version (rendering is
 * deterministic: the same version gives the same file and content hash).
 */
export function DagCodeDialog({ workflowId, version, open, onClose }: { workflowId: string; version: number; open: boolean; onClose: () => void }) {
  const [file, setFile] = useState<RenderedFile | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!open) return;
    let live = true;
    setError(null);
    api.post<RenderedFile>(`/workflows/${workflowId}/render`, { version }).then(
      (f) => live && setFile(f),
      (e) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [open, workflowId, version]);
  return (
    <Dialog title={`DAG code of version ${version}`} open={open} onClose={onClose} wide>
      <div className="panel">
        {error !== null && <ErrorMessage error={error} doing="show the DAG code" />}
        {file && file.version === version ? (
          <>
            <p className="hint">
              <code>{file.path}</code> · what Airflow reads for version {file.version} · read-only
            </p>
            <PythonCode source={file.content} />
          </>
        ) : (
          error === null && <p className="muted" role="status">Rendering…</p>
        )}
      </div>
    </Dialog>
  );
}

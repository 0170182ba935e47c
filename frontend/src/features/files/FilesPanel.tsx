"use client";
import { useEffect, useRef } from "react";
import { api } from "@/lib/api/client";
import { ErrorMessage } from "@/features/shared/ErrorMessage";
import { countOf, formatBytes, formatDateTime } from "@/features/shared/format";
import { encodePath, useFiles } from "./store";

/** Saves a download from the API (which needs the session's token, so not a plain link). */
export async function saveDownload(url: string, name: string): Promise<void> {
  const blob = await api.blob(url);
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = name.split("/").pop() ?? name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

/** The bottom panel's "Files": the owner's data folder, which CSV steps read and exports write. */
export function FilesPanel({ workflowId, canEdit, onError }: { workflowId: string; canEdit: boolean; onError: (e: unknown) => void }) {
  const { files, uploading, error, load, upload, remove } = useFiles();
  const chooser = useRef<HTMLInputElement>(null);
  useEffect(() => {
    void load(workflowId);
  }, [load, workflowId]);

  return (
    <section aria-label="Data folder" className="stack">
      <div className="row">
        <strong>Data folder</strong>
        <span className="hint">{countOf(files.length, "file")} · CSV steps read these; exports write here. Drop files anywhere on the page to upload.</span>
        <span className="spacer" />
        {canEdit && (
          <>
            <input
              ref={chooser}
              type="file"
              multiple
              hidden
              aria-label="Choose files to upload"
              onChange={(e) => {
                const chosen = [...(e.target.files ?? [])];
                e.target.value = "";
                if (chosen.length) void upload(workflowId, chosen);
              }}
            />
            <button type="button" className="small primary" onClick={() => chooser.current?.click()} disabled={uploading.length > 0}>
              {uploading.length ? `Uploading ${uploading.join(", ")}…` : "Upload files"}
            </button>
          </>
        )}
      </div>
      {error !== null && <ErrorMessage error={error} doing="work with the data folder" />}
      {files.length === 0 ? (
        <p className="muted">No files yet. Drop a CSV file here, or use Upload files.</p>
      ) : (
        <table className="grid" aria-label="Files in the data folder">
          <thead><tr><th>File</th><th>Size</th><th>Changed</th><th /></tr></thead>
          <tbody>
            {files.map((f) => (
              <tr key={f.path}>
                <td><code>{f.path}</code></td>
                <td className="hint">{formatBytes(f.bytes)}</td>
                <td className="hint">{formatDateTime(f.modifiedAt)}</td>
                <td>
                  <div className="row">
                    <button type="button" className="small" onClick={() => saveDownload(`/workflows/${workflowId}/files/${encodePath(f.path)}`, f.path).catch(onError)}>Download</button>
                    {canEdit && (
                      <button type="button" className="small danger" aria-label={`Delete ${f.path}`} onClick={() => { if (window.confirm(`Delete ${f.path} from the data folder?`)) void remove(workflowId, f.path); }}>
                        Delete
                      </button>
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

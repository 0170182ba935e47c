"use client";
import { ErrorMessage } from "@/features/shared/ErrorMessage";
import type { ChangesSince } from "./useChangesSince";

/** Over the canvas: which version the marks compare with, their legend, the removed steps, and the way out. */
export function ChangesBanner({ since, changes, error, hide }: ChangesSince) {
  if (since === null) return null;
  const marks = changes ? Object.values(changes.marks) : [];
  const added = marks.filter((m) => m === "added").length;
  const changed = marks.length - added;
  return (
    <section className="changes-banner" aria-label={`Changes since v${since}`} data-testid="changes-banner">
      <div className="row">
        <strong>Changes since v{since}</strong>
        {changes === null ? (
          error === null && <span className="muted" role="status">Reading v{since}…</span>
        ) : marks.length === 0 && changes.removed.length === 0 ? (
          <span className="muted">No step differs from v{since}.</span>
        ) : (
          <span className="legend">
            <span className="change-tag added">added</span> {added}
            <span className="change-tag changed">changed</span> {changed}
          </span>
        )}
        <button type="button" className="small" onClick={hide}>Hide changes</button>
      </div>
      {changes && changes.removed.length > 0 && (
        <p className="removed" data-testid="removed-steps">
          Removed (no longer on the canvas): {changes.removed.map((s) => `${s.id} (${s.type})`).join(", ")}
        </p>
      )}
      {error !== null && <ErrorMessage error={error} doing={`read version ${since}`} />}
    </section>
  );
}

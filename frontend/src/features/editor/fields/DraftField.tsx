"use client";
import { useId, type InputHTMLAttributes, type ReactNode } from "react";
import { useFieldDraft, type FieldDraft, type FieldDraftOptions } from "./useFieldDraft";

const shorten = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}…` : s);

/** Under a field: why its draft is not stored, and someone else's change that arrived while it was typed. */
export function DraftNotes({ id, draft }: { id: string; draft: FieldDraft }) {
  return (
    <>
      {draft.error && (
        <span id={`${id}-problem`} className="field-problem" role="alert">
          {draft.error}
        </span>
      )}
      {draft.theirs !== null && (
        <span className="warn-box field-theirs" role="status">
          Someone else changed this to “{shorten(draft.theirs) || "(empty)"}” while you were typing; leaving the field keeps yours.{" "}
          {/* Pressing the button must not take the focus (leaving the field would store the draft first). */}
          <button type="button" className="small" onMouseDown={(e) => e.preventDefault()} onClick={draft.keepTheirs}>
            Use theirs
          </button>
        </span>
      )}
    </>
  );
}

export const describedBy = (id: string, draft: FieldDraft, other?: string) => [draft.error ? `${id}-problem` : null, other].filter(Boolean).join(" ") || undefined;

type Extra = Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange" | "onBlur" | "onKeyDown" | "children">;

/** A labelled text field (or textarea) edited through a draft: see useFieldDraft. */
export function DraftField<T>({ label, hint, multiline, rows, inputProps, ...options }: FieldDraftOptions<T> & {
  label: ReactNode;
  hint?: ReactNode;
  rows?: number;
  inputProps?: Extra;
}) {
  const id = useId();
  const draft = useFieldDraft({ ...options, multiline });
  const hintId = hint ? `${id}-hint` : undefined;
  const aria = { "aria-describedby": describedBy(id, draft, hintId) };
  return (
    <label>
      {label}
      {multiline ? (
        <textarea rows={rows} {...draft.field} {...aria} disabled={inputProps?.disabled} placeholder={inputProps?.placeholder} />
      ) : (
        <input {...inputProps} {...draft.field} {...aria} />
      )}
      {hint && (
        <span id={hintId} className="hint">
          {hint}
        </span>
      )}
      <DraftNotes id={id} draft={draft} />
    </label>
  );
}

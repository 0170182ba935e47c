// A text field that keeps what is typed as a local draft while it is edited, and commits it to the document
// on leaving the field, on Enter, after a pause in typing, or on Ctrl+S, only when it parses (draft.ts).
"use client";
import { useCallback, useEffect, useRef, useState, type ChangeEvent, type KeyboardEvent } from "react";
import { attempt, committed, documentChanged, edit, park, problem, refused, registerField, unpark, type Draft, type Parse } from "./draft";

export interface FieldDraftOptions<T> {
  /** The field's value in the document, as text. */
  value: string;
  parse: Parse<T>;
  /** Stores a parsed value in the document; returns why it was refused, or null. */
  commit: (value: T) => string | null;
  /** Commit a valid draft after this many ms without typing; without it only leaving the field, Enter or Ctrl+S commit. */
  pauseMs?: number;
  /** Keeps a draft that cannot be stored when the field leaves the screen, and shows it again when it is back. */
  parkKey?: string;
  /** Enter makes a new line instead of committing. */
  multiline?: boolean;
}

type FieldElement = HTMLInputElement | HTMLTextAreaElement;

export interface FieldDraft {
  /** What the field shows: the draft, or the document's value. */
  text: string;
  /** Why the draft is not stored (after a commit was tried). */
  error: string | null;
  /** Someone else's value that arrived while the draft was open. */
  theirs: string | null;
  dirty: boolean;
  /** Drops the draft for the document's value. */
  keepTheirs: () => void;
  /** Props for the <input> or <textarea>. */
  field: {
    value: string;
    onChange: (e: ChangeEvent<FieldElement>) => void;
    onBlur: () => void;
    onKeyDown: (e: KeyboardEvent<FieldElement>) => void;
    "aria-invalid": boolean | undefined;
  };
}

export function useFieldDraft<T>(options: FieldDraftOptions<T>): FieldDraft {
  const [draft, setDraft] = useState<Draft | null>(() => (options.parkKey ? unpark(options.parkKey, options.value) : null));
  // Event handlers, timers and the unmount read the latest draft and options, not the ones of their render.
  const latest = useRef({ draft, options });
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    latest.current.options = options;
  });
  const update = useCallback((next: Draft | null) => {
    latest.current.draft = next;
    setDraft(next);
  }, []);

  /** Commits the draft if it parses; leaving: the field shows the document's value afterwards. True when nothing is left uncommitted. */
  const commitNow = useCallback(
    (leaving: boolean): boolean => {
      clearTimeout(timer.current);
      const { draft: d, options: o } = latest.current;
      const [tried, what] = attempt(d, o.value, o.parse);
      let next = tried;
      if (what.kind === "commit" && tried) {
        const reason = o.commit(what.value);
        next = reason ? refused(tried, reason) : leaving ? null : committed(tried, what.text);
      } else if (what.kind === "nothing" && leaving) next = null;
      if (next !== d) update(next);
      return next === null || (what.kind !== "invalid" && !next.refusal);
    },
    [update],
  );

  useEffect(() => {
    const d = latest.current.draft;
    const next = documentChanged(d, options.value);
    if (next !== d) update(next);
  }, [options.value, update]);

  useEffect(() => {
    const state = latest.current; // one object for the field's life, read when the cleanup runs
    const unregister = registerField({ commitNow: () => commitNow(false), dirty: () => state.draft !== null });
    return () => {
      unregister();
      // Leaving the screen is leaving the field; what cannot be stored waits for the field to come back.
      if (!commitNow(true)) {
        const { draft: d, options: o } = state;
        if (d && o.parkKey) park(o.parkKey, d);
      }
    };
  }, [commitNow]);

  const onChange = useCallback(
    (e: ChangeEvent<FieldElement>) => {
      const { draft: d, options: o } = latest.current;
      update(edit(d, o.value, e.target.value));
      clearTimeout(timer.current);
      if (o.pauseMs !== undefined) timer.current = setTimeout(() => commitNow(false), o.pauseMs);
    },
    [commitNow, update],
  );
  const onKeyDown = useCallback(
    (e: KeyboardEvent<FieldElement>) => {
      if (e.key === "Enter" && !latest.current.options.multiline && !e.nativeEvent.isComposing) {
        e.preventDefault();
        commitNow(false);
      }
    },
    [commitNow],
  );
  const onBlur = useCallback(() => void commitNow(true), [commitNow]);
  const keepTheirs = useCallback(() => {
    clearTimeout(timer.current);
    update(null);
  }, [update]);

  const error = problem(draft, options.parse);
  return {
    text: draft?.text ?? options.value,
    error,
    theirs: draft?.theirs ?? null,
    dirty: draft !== null,
    keepTheirs,
    field: { value: draft?.text ?? options.value, onChange, onBlur, onKeyDown, "aria-invalid": error ? true : undefined },
  };
}

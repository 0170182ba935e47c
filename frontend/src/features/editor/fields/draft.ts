// What a text field shows while someone types into it: a draft kept apart from the document until it can be
// stored. The document changes only when the draft is committed (on leaving the field, Enter, a pause, Ctrl+S),
// and only with a value that parses; an invalid draft stays on screen with the reason. Pure, so it is tested
// without a browser; useFieldDraft.ts drives it from the field's events.

/** What a typed text means: the value to store and its canonical text, or why it cannot be stored. */
export type Parsed<T> = { ok: true; value: T; text: string } | { ok: false; error: string };
export type Parse<T> = (text: string) => Parsed<T>;

export const accept = <T>(value: T, text: string): Parsed<T> => ({ ok: true, value, text });
export const reject = (error: string): Parsed<never> => ({ ok: false, error });

/** A field with no draft (null) shows the document's value. */
export interface Draft {
  /** What the user typed. */
  text: string;
  /** The document's value when the draft started or was last committed; another value came from someone else. */
  base: string;
  /** Someone else's value that arrived while the draft was open (shown, never applied over the draft). */
  theirs: string | null;
  /** A commit was tried: from now on the field says why the draft cannot be stored. */
  tried: boolean;
  /** Why the editor refused the last commit, if it did. */
  refusal: string | null;
}

/** The user typed text into a field whose document value is `value`. */
export function edit(d: Draft | null, value: string, text: string): Draft | null {
  if (d) return { ...d, text, refusal: null };
  return text === value ? null : { text, base: value, theirs: null, tried: false, refusal: null };
}

/** The document's value of the field changed (a commit of this field, undo, or someone else's change). */
export function documentChanged(d: Draft | null, value: string): Draft | null {
  if (!d) return null;
  if (d.text === value) return null; // the document holds what was typed
  if (value === d.base) return d.theirs === null ? d : { ...d, theirs: null };
  return d.theirs === value ? d : { ...d, theirs: value };
}

export type Attempt<T> = { kind: "nothing" } | { kind: "invalid" } | { kind: "commit"; value: T; text: string };

/** What committing the draft now would do: nothing (no draft, or the document already has it), refuse it, or store a value. */
export function attempt<T>(d: Draft | null, value: string, parse: Parse<T>): [Draft | null, Attempt<T>] {
  if (!d) return [null, { kind: "nothing" }];
  const p = parse(d.text);
  if (!p.ok) return [{ ...d, tried: true }, { kind: "invalid" }];
  if (p.text === value) return [d, { kind: "nothing" }];
  return [d, { kind: "commit", value: p.value, text: p.text }];
}

/** The editor took the value: the document now has `text`, so later changes of it come from someone else. */
export function committed(d: Draft, text: string): Draft {
  return { ...d, base: text, theirs: null, tried: false, refusal: null };
}

/** The editor refused the value; the draft stays with the reason. */
export function refused(d: Draft, reason: string): Draft {
  return { ...d, tried: true, refusal: reason };
}

/** Why the draft is not stored, once a commit was tried. */
export function problem<T>(d: Draft | null, parse: Parse<T>): string | null {
  if (!d || !d.tried) return null;
  if (d.refusal) return d.refusal;
  const p = parse(d.text);
  return p.ok ? null : p.error;
}

// Drafts of fields that left the screen (another tab, another step) before they could be stored wait here
// and come back when the field does; open fields register how to commit them, for Ctrl+S and leaving the page.
const parked = new Map<string, Draft>();
export interface OpenField {
  /** Commits the draft if it can be; true when nothing is left uncommitted. */
  commitNow: () => boolean;
  /** Whether the field holds text the document does not have. */
  dirty: () => boolean;
}
const openFields = new Set<OpenField>();

export function park(key: string, d: Draft): void {
  parked.set(key, d);
}

/** Takes back a parked draft, noting a document value that changed since it was parked. */
export function unpark(key: string, value: string): Draft | null {
  const d = parked.get(key);
  if (!d) return null;
  parked.delete(key);
  return documentChanged({ ...d, tried: true }, value);
}

/** Registers an open field; returns the unregistration. */
export function registerField(field: OpenField): () => void {
  openFields.add(field);
  return () => {
    openFields.delete(field);
  };
}

/** Commits every open field's draft; returns how many drafts cannot be stored yet (open or parked). */
export function flushDrafts(): number {
  let left = parked.size;
  for (const field of [...openFields]) if (!field.commitNow()) left++;
  return left;
}

/** How many fields hold typed text the document does not have. */
export function unsavedDrafts(): number {
  return parked.size + [...openFields].filter((f) => f.dirty()).length;
}

/** Another workflow opened: drafts of the last one's fields must not appear in its fields. */
export function forgetParkedDrafts(): void {
  parked.clear();
}

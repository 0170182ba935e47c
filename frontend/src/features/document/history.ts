// Undo/redo as a pure value built on applyOperation: each entry keeps the operation and its inverse.
import type { WorkflowDocument } from "@/lib/api/types";
import { applyOperation, type Operation } from "./operations";

export interface HistoryEntry { op: Operation; inverse: Operation; coalesceKey?: string; at: number }
export interface History { past: HistoryEntry[]; future: HistoryEntry[] }

export const emptyHistory: History = { past: [], future: [] };
const LIMIT = 200;
const COALESCE_MS = 1000;

export type StepResult = { ok: true; doc: WorkflowDocument; history: History } | { ok: false; reason: string };

/**
 * Applies op and records it. Consecutive changes with the same coalesceKey within a second
 * (typing into one field) become one undo step that restores the value before the first.
 */
export function perform(doc: WorkflowDocument, history: History, op: Operation, coalesceKey?: string, now = Date.now()): StepResult {
  const result = applyOperation(doc, op);
  if (!result.ok) return result;
  const last = history.past[history.past.length - 1];
  if (coalesceKey && last && last.coalesceKey === coalesceKey && now - last.at < COALESCE_MS) {
    const merged: HistoryEntry = { op, inverse: last.inverse, coalesceKey, at: now };
    return { ok: true, doc: result.doc, history: { past: [...history.past.slice(0, -1), merged], future: [] } };
  }
  const entry: HistoryEntry = { op, inverse: result.inverse, coalesceKey, at: now };
  return { ok: true, doc: result.doc, history: { past: [...history.past, entry].slice(-LIMIT), future: [] } };
}

export function undo(doc: WorkflowDocument, history: History): StepResult {
  const entry = history.past[history.past.length - 1];
  if (!entry) return { ok: false, reason: "Nothing to undo." };
  const result = applyOperation(doc, entry.inverse);
  if (!result.ok) return result;
  return { ok: true, doc: result.doc, history: { past: history.past.slice(0, -1), future: [...history.future, entry] } };
}

export function redo(doc: WorkflowDocument, history: History): StepResult {
  const entry = history.future[history.future.length - 1];
  if (!entry) return { ok: false, reason: "Nothing to redo." };
  const result = applyOperation(doc, entry.op);
  if (!result.ok) return result;
  const redone: HistoryEntry = { ...entry, inverse: result.inverse, coalesceKey: undefined };
  return { ok: true, doc: result.doc, history: { past: [...history.past, redone], future: history.future.slice(0, -1) } };
}

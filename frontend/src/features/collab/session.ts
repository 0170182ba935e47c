// The client side of the collaboration protocol (docs/collaboration.md, "Client algorithm") as a pure
// value: the confirmed document at a version, this page's operations the server has not confirmed yet,
// and events that arrived ahead of a gap. The live connection (live.ts) feeds it and sends what it says.
import type { WorkflowDocument } from "@/lib/api/types";
import { applyOperation, rebase, type Operation } from "@/features/document/operations";

/** How long a gap in the event versions may stay open before the client joins again. */
export const GAP_TIMEOUT_MS = 1000;

export interface Snapshot { version: number; document: WorkflowDocument }

/** `operationApplied` as the hub sends it. */
export interface AppliedEvent { workflowId: string; version: number; clientId: string; seq: number; userId: string; op: Operation }

/** changed: false means the operation changed nothing (the value was already set): no version was made and no event follows. */
export type ApplyOutcome = { accepted: true; version: number; duplicate?: boolean; changed?: boolean } | { accepted: false; reason: string };

/** What `Apply` carries after the workflow id. */
export interface ApplyMessage { clientId: string; seq: number; baseVersion: number; op: Operation }

/**
 * unsent: waiting its turn (or to be sent again after a reconnect); sending: the one Apply in flight;
 * accepted: the server took it at a version this client has not reached yet; it is dropped when the
 * confirmed version gets there (by its own event, or by later ones when it changed nothing).
 */
export type PendingState = "unsent" | "sending" | "accepted";
export interface PendingOp { seq: number; baseVersion: number; op: Operation; state: PendingState; acceptedAt?: number }

export interface Session {
  clientId: string;
  nextSeq: number;
  /** Null until the first snapshot. */
  confirmed: WorkflowDocument | null;
  confirmedVersion: number;
  pending: readonly PendingOp[];
  /** Events from the future, sorted by version, kept until the gap before them fills. */
  held: readonly AppliedEvent[];
  /** When the current gap opened (ms); null when there is none. */
  gapSince: number | null;
  /** False between losing the connection and the next snapshot: nothing is sent meanwhile. */
  synced: boolean;
  /** An event did not apply to the confirmed document: only a fresh snapshot can repair that. */
  diverged: boolean;
  /** Why the server refused operations, not yet shown to the user. */
  refusals: readonly string[];
}

export function createSession(clientId: string): Session {
  return { clientId, nextSeq: 1, confirmed: null, confirmedVersion: 0, pending: [], held: [], gapSince: null, synced: false, diverged: false, refusals: [] };
}

/** Consecutive changes of one field (config or settings) or one node's position replace each other while still unsent. */
function sameTarget(a: Operation, b: Operation): boolean {
  if (a.kind === "updateConfig" && b.kind === "updateConfig") return a.id === b.id && a.path.length === b.path.length && a.path.every((k, i) => k === b.path[i]);
  if (a.kind === "moveNode" && b.kind === "moveNode") return a.id === b.id;
  if (a.kind === "updateSettings" && b.kind === "updateSettings") {
    const keys = Object.keys(a.changes);
    return keys.length === Object.keys(b.changes).length && keys.every((k) => k in b.changes);
  }
  return false;
}

/** Records a change the user made on this page. */
export function addLocal(s: Session, op: Operation): Session {
  const last = s.pending[s.pending.length - 1];
  if (last && last.state === "unsent" && sameTarget(last.op, op)) {
    return { ...s, pending: [...s.pending.slice(0, -1), { ...last, op, baseVersion: s.confirmedVersion }] };
  }
  return { ...s, nextSeq: s.nextSeq + 1, pending: [...s.pending, { seq: s.nextSeq, baseVersion: s.confirmedVersion, op, state: "unsent" }] };
}

/** The next operation to send, if any may be sent now (one Apply in flight at a time, none while out of sync). */
export function nextToSend(s: Session): ApplyMessage | null {
  if (!s.synced || s.pending.some((p) => p.state === "sending")) return null;
  const next = s.pending.find((p) => p.state === "unsent");
  return next ? { clientId: s.clientId, seq: next.seq, baseVersion: next.baseVersion, op: next.op } : null;
}

function withPending(s: Session, seq: number, update: (p: PendingOp) => PendingOp | null): Session {
  const pending: PendingOp[] = [];
  for (const p of s.pending) {
    if (p.seq !== seq) pending.push(p);
    else {
      const next = update(p);
      if (next) pending.push(next);
    }
  }
  return { ...s, pending };
}

export function markSending(s: Session, seq: number): Session {
  return withPending(s, seq, (p) => ({ ...p, state: "sending" }));
}

/** The Apply did not reach the server (the connection dropped): it goes out again after the next snapshot. */
export function sendFailed(s: Session, seq: number): Session {
  return withPending(s, seq, (p) => (p.state === "sending" ? { ...p, state: "unsent" } : p));
}

/** The server's answer to Apply. */
export function receiveOutcome(s: Session, seq: number, outcome: ApplyOutcome): Session {
  if (!outcome.accepted) return { ...withPending(s, seq, () => null), refusals: [...s.refusals, outcome.reason] };
  // Already part of the confirmed document (a resend after a reconnect that the server had applied before the snapshot).
  if (outcome.version <= s.confirmedVersion) return withPending(s, seq, () => null);
  return withPending(s, seq, (p) => ({ ...p, state: "accepted", acceptedAt: outcome.version }));
}

/** Applies held events for as long as the next version is there. */
function drain(s: Session, now: number): Session {
  let { confirmed, confirmedVersion, pending, diverged } = s;
  let held = s.held;
  let progressed = false;
  while (confirmed && held[0] && held[0].version <= confirmedVersion + 1) {
    const [event, ...rest] = held;
    held = rest;
    if (event.version <= confirmedVersion) continue;
    const r = applyOperation(confirmed, event.op);
    if (r.ok) confirmed = r.doc;
    else diverged = true; // the server applied it, so our copy is wrong; skip it and rejoin
    confirmedVersion = event.version;
    progressed = true;
    if (event.clientId === s.clientId) pending = pending.filter((p) => p.seq !== event.seq);
  }
  if (progressed) pending = pending.filter((p) => !(p.state === "accepted" && (p.acceptedAt ?? 0) <= confirmedVersion));
  const gapSince = held.length === 0 ? null : progressed || s.gapSince === null ? now : s.gapSince;
  return { ...s, confirmed, confirmedVersion, pending, held, diverged, gapSince };
}

/** An `operationApplied` event, in whatever order and however often it arrives. */
export function receiveApplied(s: Session, event: AppliedEvent, now: number): Session {
  if (s.confirmed && event.version <= s.confirmedVersion) return s;
  if (s.held.some((h) => h.version === event.version)) return s;
  const held = [...s.held, event].sort((a, b) => a.version - b.version);
  return drain({ ...s, held }, now);
}

/**
 * The document from Join replaces the confirmed one. Operations the server accepted at or before its
 * version are in it; the rest stay pending (an Apply still in flight keeps waiting for its answer).
 */
export function receiveSnapshot(s: Session, snapshot: Snapshot, now: number): Session {
  const pending = s.pending.filter((p) => !(p.state === "accepted" && (p.acceptedAt ?? 0) <= snapshot.version));
  const held = s.held.filter((h) => h.version > snapshot.version);
  return drain({ ...s, confirmed: snapshot.document, confirmedVersion: snapshot.version, pending, held, gapSince: null, synced: true, diverged: false }, now);
}

/** The connection dropped: stop sending until the next snapshot; what was in flight goes out again (the server ignores repeats). */
export function disconnected(s: Session): Session {
  return { ...s, synced: false, pending: s.pending.map((p) => (p.state === "sending" ? { ...p, state: "unsent" as const } : p)) };
}

/** True when the client should Join again to catch up. */
export function needsResync(s: Session, now: number): boolean {
  if (!s.synced) return false;
  return s.diverged || (s.gapSince !== null && now - s.gapSince >= GAP_TIMEOUT_MS);
}

export function takeRefusals(s: Session): [Session, readonly string[]] {
  return s.refusals.length === 0 ? [s, []] : [{ ...s, refusals: [] }, s.refusals];
}

/** What the user sees: the confirmed document with this page's pending operations on top (those that no longer apply are skipped). */
export function shownDocument(s: Session): WorkflowDocument | null {
  return s.confirmed ? rebase(s.confirmed, pendingOperations(s)).doc : null;
}

export function pendingOperations(s: Session): Operation[] {
  return s.pending.map((p) => p.op);
}

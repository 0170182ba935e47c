// Who is here, what they selected, which nodes they hold and where their pointers are: the hub's
// presence payloads turned into what the editor draws. Pure functions; live.ts feeds them.
import type { Role, WorkflowDocument } from "@/lib/api/types";
import type { SelectionMarker } from "@/features/document/store";

export interface Participant {
  connectionId: string;
  userId: string;
  displayName: string;
  initials: string;
  colour: string;
  selectedNode: string | null;
}

export interface NodeLock { nodeId: string; userId: string; displayName: string; connectionId: string; expiresInMs?: number }

export interface JoinResult {
  workflowId: string;
  version: number;
  role: Role;
  document: WorkflowDocument;
  you: Participant;
  participants: Participant[];
  locks: NodeLock[];
}

export interface LockResult { granted: boolean; lock: NodeLock | null }

export interface CursorEvent { workflowId: string; connectionId: string; userId: string; displayName: string; colour: string; x: number; y: number }
export interface Cursor { connectionId: string; displayName: string; colour: string; x: number; y: number; at: number }

/** A cursor nobody moved for this long is taken away (its owner may have left the canvas or the page). */
export const CURSOR_SILENCE_MS = 10_000;

/** One avatar per person (several tabs of one user show once), this user first. */
export function avatars(participants: readonly Participant[], me: Participant | null): (Participant & { isMe: boolean })[] {
  const seen = new Set<string>();
  const ordered = me ? [me, ...participants.filter((p) => p.connectionId !== me.connectionId)] : [...participants];
  const result: (Participant & { isMe: boolean })[] = [];
  for (const p of ordered) {
    if (seen.has(p.userId)) continue;
    seen.add(p.userId);
    result.push({ ...p, isMe: p.connectionId === me?.connectionId });
  }
  return result;
}

function sameMarkers(a: readonly SelectionMarker[] | undefined, b: readonly SelectionMarker[]): boolean {
  return a !== undefined && a.length === b.length && a.every((m, i) => m.connectionId === b[i]?.connectionId && m.colour === b[i]?.colour && m.initials === b[i]?.initials);
}

/**
 * Nodes other connections selected. Lists that did not change keep their identity, so only the
 * nodes whose markers changed are drawn again.
 */
export function selectionsByNode(
  participants: readonly Participant[],
  meConnectionId: string | null,
  previous: Readonly<Record<string, SelectionMarker[]>> = {},
): Record<string, SelectionMarker[]> {
  const next: Record<string, SelectionMarker[]> = {};
  for (const p of participants) {
    if (!p.selectedNode || p.connectionId === meConnectionId) continue;
    (next[p.selectedNode] ??= []).push({ connectionId: p.connectionId, initials: p.initials, colour: p.colour, displayName: p.displayName });
  }
  for (const [node, markers] of Object.entries(next)) {
    const before = previous[node];
    if (before && sameMarkers(before, markers)) next[node] = before;
  }
  return next;
}

/** Locks held by other connections, keyed by node (what makes a config panel read-only here). */
export function locksOfOthers(locks: readonly NodeLock[], meConnectionId: string | null): Record<string, NodeLock> {
  const result: Record<string, NodeLock> = {};
  for (const l of locks) if (l.connectionId !== meConnectionId) result[l.nodeId] = l;
  return result;
}

/** The lock table after a `lockChanged` event. */
export function withLockChange(locks: Readonly<Record<string, NodeLock>>, nodeId: string, lock: NodeLock | null, meConnectionId: string | null): Record<string, NodeLock> {
  const rest = { ...locks };
  delete rest[nodeId];
  return lock && lock.connectionId !== meConnectionId ? { ...rest, [nodeId]: lock } : rest;
}

/** Cursors after a `cursorMoved` event (this connection's own pointer is never drawn). */
export function withCursor(cursors: Readonly<Record<string, Cursor>>, e: CursorEvent, meConnectionId: string | null, now: number): Record<string, Cursor> {
  if (e.connectionId === meConnectionId) return cursors as Record<string, Cursor>;
  return { ...cursors, [e.connectionId]: { connectionId: e.connectionId, displayName: e.displayName, colour: e.colour, x: e.x, y: e.y, at: now } };
}

/** Drops cursors silent for CURSOR_SILENCE_MS and those of connections that left; the same object when nothing changed. */
export function liveCursors(cursors: Readonly<Record<string, Cursor>>, present: ReadonlySet<string> | null, now: number): Record<string, Cursor> {
  const kept = Object.values(cursors).filter((c) => now - c.at < CURSOR_SILENCE_MS && (!present || present.has(c.connectionId)));
  if (kept.length === Object.keys(cursors).length) return cursors as Record<string, Cursor>;
  return Object.fromEntries(kept.map((c) => [c.connectionId, c]));
}

/**
 * Calls send at most once per interval with the latest value; the last value of a burst is sent
 * when the interval ends, so a pointer that stops still arrives where it stopped.
 */
export function throttleLatest<T>(send: (value: T) => void, intervalMs: number, clock: () => number = Date.now): { push: (value: T) => void; cancel: () => void } {
  let last = -Infinity;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let latest: { value: T } | null = null;
  const flush = () => {
    timer = null;
    if (!latest) return;
    const { value } = latest;
    latest = null;
    last = clock();
    send(value);
  };
  return {
    push(value) {
      latest = { value };
      if (timer) return;
      const wait = last + intervalMs - clock();
      if (wait <= 0) flush();
      else timer = setTimeout(flush, wait);
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
      latest = null;
    },
  };
}

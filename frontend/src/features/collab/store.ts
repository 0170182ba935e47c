// What the collaboration connection knows beyond the document: its state, who is here and their
// pointers. Kept apart from the editor store so 20 cursor updates a second re-render only the cursors.
"use client";
import { create } from "zustand";
import type { Cursor, LockResult, Participant } from "./presence";

/**
 * off: not started; joining: connecting and joining; live: changes go to the hub as they happen;
 * reconnecting: the connection dropped, changes are kept until it is back; unavailable: no hub or
 * Join refused, the editor saves by hand; revoked: this user no longer has access.
 */
export type LiveStatus = "off" | "joining" | "live" | "reconnecting" | "unavailable" | "revoked";

/** What components may ask of the live connection (set while one is running). */
export interface LiveActions {
  moveCursor: (x: number, y: number) => void;
  select: (nodeId: string | null) => void;
  lock: (nodeId: string) => Promise<LockResult | null>;
  releaseLock: (nodeId: string) => void;
  breakLock: (nodeId: string) => Promise<void>;
}

export interface CollabState {
  status: LiveStatus;
  me: Participant | null;
  participants: Participant[];
  cursors: Record<string, Cursor>;
  /** This page's changes the server has not confirmed yet. */
  pendingCount: number;
  actions: LiveActions | null;
}

export const initialCollab: CollabState = { status: "off", me: null, participants: [], cursors: {}, pendingCount: 0, actions: null };

export const useCollab = create<CollabState>()(() => initialCollab);

export type SavedOutcome = "saved" | "offline" | "not-live" | "timeout";

/** Resolves once the server has every change of this page ("saved"), or says why it cannot tell. */
export function whenAllSaved(timeoutMs = 20_000): Promise<SavedOutcome> {
  const outcome = (s: CollabState): SavedOutcome | null =>
    s.status === "reconnecting" ? "offline" : s.status !== "live" ? "not-live" : s.pendingCount === 0 ? "saved" : null;
  return new Promise((resolve) => {
    const now = outcome(useCollab.getState());
    if (now) return resolve(now);
    const timer = setTimeout(() => finish("timeout"), timeoutMs);
    const unsubscribe = useCollab.subscribe((s) => {
      const o = outcome(s);
      if (o) finish(o);
    });
    function finish(o: SavedOutcome) {
      clearTimeout(timer);
      unsubscribe();
      resolve(o);
    }
  });
}

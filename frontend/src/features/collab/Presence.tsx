"use client";
import { memo, useEffect, useRef, type PointerEvent } from "react";
import { ViewportPortal, useReactFlow } from "@xyflow/react";
import { useShallow } from "zustand/react/shallow";
import { useEditor } from "@/features/document/store";
import { avatars, type Cursor } from "./presence";
import { useCollab } from "./store";

/** Who has this workflow open: initials in each person's colour, their name on hover and for screen readers. */
export function Avatars() {
  const { participants, me } = useCollab(useShallow((s) => ({ participants: s.participants, me: s.me })));
  const list = avatars(participants, me);
  if (list.length === 0) return null;
  return (
    <ul className="avatars" aria-label="People editing this workflow" data-testid="avatars">
      {list.map((p) => {
        const label = p.isMe ? `${p.displayName} (you)` : p.displayName;
        return (
          <li key={p.userId} className="avatar" style={{ background: p.colour }} title={label} aria-label={label}>
            <span aria-hidden="true">{p.initials}</span>
          </li>
        );
      })}
    </ul>
  );
}

const CursorView = memo(function CursorView({ cursor }: { cursor: Cursor }) {
  return (
    <div className="remote-cursor" style={{ transform: `translate(${cursor.x}px, ${cursor.y}px)`, color: cursor.colour }} data-testid="remote-cursor" aria-label={`${cursor.displayName}'s pointer`}>
      <svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
        <path d="M1 1 L1 13 L4.5 9.5 L7 15 L9 14 L6.6 8.6 L11.5 8.6 Z" fill="currentColor" stroke="#fff" strokeWidth="1" />
      </svg>
      <span className="remote-cursor-name" style={{ background: cursor.colour }}>{cursor.displayName}</span>
    </div>
  );
});

/** Other people's pointers, drawn in flow coordinates inside the canvas (a CSS transition smooths the 50 ms steps). */
export function RemoteCursors() {
  const cursors = useCollab((s) => s.cursors);
  return (
    <ViewportPortal>
      {Object.values(cursors).map((c) => <CursorView key={c.connectionId} cursor={c} />)}
    </ViewportPortal>
  );
}

/** Sends this user's pointer (in flow coordinates) while it is over the canvas. */
export function useCursorBroadcast(): (e: PointerEvent) => void {
  const { screenToFlowPosition } = useReactFlow();
  const actions = useCollab((s) => s.actions);
  const ref = useRef(actions);
  useEffect(() => {
    ref.current = actions;
  }, [actions]);
  return (e) => {
    const live = ref.current;
    if (!live) return;
    const p = screenToFlowPosition({ x: e.clientX, y: e.clientY });
    live.moveCursor(p.x, p.y);
  };
}

/**
 * Holds the edit lock of the node whose configuration is open: takes it, renews it every 10 s and lets
 * it go when the panel closes. While someone else holds it the editor store's locks say who, and it is
 * asked for again every 10 s (their lease may run out) and at once when they let go.
 */
export function useNodeLock(nodeId: string | null) {
  const actions = useCollab((s) => s.actions);
  const heldByOther = useEditor((s) => (nodeId ? s.locks[nodeId]?.connectionId ?? null : null));
  useEffect(() => {
    if (!nodeId || !actions) return;
    let open = true;
    let held = false;
    const take = async () => {
      const r = await actions.lock(nodeId);
      if (!open) {
        if (r?.granted) actions.releaseLock(nodeId);
        return;
      }
      held = r?.granted ?? false;
    };
    void take();
    const renew = setInterval(() => void take(), LOCK_RENEW_MS);
    return () => {
      open = false;
      clearInterval(renew);
      if (held) actions.releaseLock(nodeId);
    };
  }, [nodeId, actions, heldByOther]);
}

export const LOCK_RENEW_MS = 10_000;

// The presence half of a live session: who is here, what they selected, which nodes they hold and where their
// pointers are, and what this page asks of the hub (cursor, selection, locks). Decisions are in presence.ts.
import { useEditor } from "@/features/document/store";
import {
  liveCursors,
  selectionsByNode,
  throttleLatest,
  withCursor,
  withLockChange,
  type CursorEvent,
  type LockResult,
  type NodeLock,
  type Participant,
} from "./presence";
import { useCollab, type LiveActions } from "./store";
import { hubMessage, isConnected, isForWorkflow, myConnectionId, type Handlers, type LiveLink } from "./liveLink";

const CURSOR_INTERVAL_MS = 50;
const CURSOR_SWEEP_MS = 1000;

export interface LivePresence {
  actions: LiveActions;
  handlers: Handlers;
  setParticipants: (participants: Participant[]) => void;
  setLocks: (table: Record<string, NodeLock>) => void;
  /** A new connection has neither this page's selection nor its locks: takes them again now, not at the next renewal. */
  reclaim: () => void;
  stop: () => void;
}

export function startPresence(link: LiveLink): LivePresence {
  let lockTable: Record<string, NodeLock> = {};
  const myLocks = new Set<string>();
  let selectedNode: string | null = null;

  function setLocks(table: Record<string, NodeLock>) {
    lockTable = table;
    useEditor.setState({ locks: table });
  }

  function setParticipants(participants: Participant[]) {
    const present = new Set(participants.map((p) => p.connectionId));
    useCollab.setState((s) => ({ participants, cursors: liveCursors(s.cursors, present, Date.now()) }));
    useEditor.setState((s) => ({ remoteSelections: selectionsByNode(participants, myConnectionId(), s.remoteSelections) }));
  }

  const sendCursor = throttleLatest((p: { x: number; y: number }) => {
    if (isConnected(link)) void link.conn?.send("MoveCursor", link.workflowId, p.x, p.y).catch(() => undefined);
  }, CURSOR_INTERVAL_MS);

  async function lock(nodeId: string): Promise<LockResult | null> {
    const conn = link.conn;
    if (!isConnected(link) || !conn) return null;
    try {
      const r = await conn.invoke<LockResult>("Lock", link.workflowId, nodeId);
      if (r.granted) {
        myLocks.add(nodeId);
        if (lockTable[nodeId]) setLocks(withLockChange(lockTable, nodeId, null, myConnectionId()));
      } else {
        myLocks.delete(nodeId);
        if (r.lock) setLocks(withLockChange(lockTable, nodeId, r.lock, myConnectionId()));
      }
      return r;
    } catch {
      return null;
    }
  }

  const actions: LiveActions = {
    moveCursor: (x, y) => sendCursor.push({ x: Math.round(x), y: Math.round(y) }),
    select: (nodeId) => {
      selectedNode = nodeId;
      if (isConnected(link)) void link.conn?.invoke("Select", link.workflowId, nodeId).catch(() => undefined);
    },
    lock,
    releaseLock: (nodeId) => {
      if (!myLocks.delete(nodeId)) return;
      if (isConnected(link)) void link.conn?.invoke("ReleaseLock", link.workflowId, nodeId).catch(() => undefined);
    },
    breakLock: async (nodeId) => {
      const conn = link.conn;
      if (!isConnected(link) || !conn) return;
      try {
        await conn.invoke("BreakLock", link.workflowId, nodeId);
      } catch (error) {
        useEditor.setState({ refusal: hubMessage(error) });
      }
    },
  };

  const handlers: Handlers = {
    presenceChanged: (e: { workflowId: string; participants: Participant[] }) => {
      if (isForWorkflow(link, e)) setParticipants(e.participants);
    },
    cursorMoved: (e: CursorEvent) => {
      if (isForWorkflow(link, e)) useCollab.setState((s) => ({ cursors: withCursor(s.cursors, e, myConnectionId(), Date.now()) }));
    },
    lockChanged: (e: { workflowId: string; nodeId: string; lock: NodeLock | null; brokenBy?: unknown }) => {
      if (!isForWorkflow(link, e)) return;
      if (myLocks.has(e.nodeId) && e.lock?.connectionId !== myConnectionId()) {
        myLocks.delete(e.nodeId);
        const by = typeof e.brokenBy === "string" ? e.brokenBy : (e.brokenBy as { displayName?: string } | undefined)?.displayName;
        if (e.brokenBy) useEditor.setState({ refusal: `${by ?? "A manager"} took over editing of "${e.nodeId}".` });
      }
      setLocks(withLockChange(lockTable, e.nodeId, e.lock, myConnectionId()));
    },
  };

  // Pointers nobody moves fade out even when no event arrives.
  const cursorSweep = setInterval(() => useCollab.setState((s) => ({ cursors: liveCursors(s.cursors, null, Date.now()) })), CURSOR_SWEEP_MS);

  return {
    actions,
    handlers,
    setParticipants,
    setLocks,
    reclaim: () => {
      if (selectedNode) actions.select(selectedNode);
      for (const nodeId of [...myLocks]) void lock(nodeId);
    },
    stop: () => {
      sendCursor.cancel();
      clearInterval(cursorSweep);
    },
  };
}

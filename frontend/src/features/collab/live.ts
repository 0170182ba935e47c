// The editor's live connection to a workflow (docs/collaboration.md): joins through the shared hub
// connection, feeds hub events into the session model, sends this page's operations one at a time,
// and publishes presence, cursors and locks. Everything it decides is in session.ts and presence.ts.
"use client";
import type { HubConnection } from "@microsoft/signalr";
import { roleRank, type Role } from "@/lib/api/types";
import { holdWorkflowGroup, onHubStatus, startedHub, type HubStatus } from "@/lib/realtime/hub";
import { useEditor } from "@/features/document/store";
import type { Operation } from "@/features/document/operations";
import {
  addLocal,
  createSession,
  disconnected,
  markSending,
  needsResync,
  nextToSend,
  pendingOperations,
  receiveApplied,
  receiveOutcome,
  receiveSnapshot,
  sendFailed,
  shownDocument,
  takeRefusals,
  GAP_TIMEOUT_MS,
  type AppliedEvent,
  type ApplyOutcome,
  type Session,
} from "./session";
import {
  liveCursors,
  locksOfOthers,
  selectionsByNode,
  throttleLatest,
  withCursor,
  withLockChange,
  type CursorEvent,
  type JoinResult,
  type LockResult,
  type NodeLock,
  type Participant,
} from "./presence";
import { initialCollab, useCollab, type LiveActions } from "./store";

const CURSOR_INTERVAL_MS = 50;
/** The hub closes a connection whose message exceeds 64 KB; a larger change is refused here instead of looping on reconnects. */
const MAX_MESSAGE_CHARS = 60_000;

/** The sentence a HubException carries, without SignalR's wrapping. */
export function hubMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const m = /HubException: (.*)$/s.exec(text);
  return (m?.[1] ?? text).trim();
}

function randomId(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto ? crypto.randomUUID() : `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
}

interface Handlers { [event: string]: (payload: never) => void }

/**
 * Starts the live session of one workflow; returns the function that leaves it. While the hub is
 * unreachable or Join is refused the editor keeps saving by hand (status "unavailable").
 */
export function startLive(workflowId: string): () => void {
  let session: Session = createSession(randomId());
  let conn: HubConnection | null = null;
  let stopped = false;
  let joinCount = 0;
  let joinInFlight = false;
  let hubStatus: HubStatus | null = null;
  let gapTimer: ReturnType<typeof setTimeout> | null = null;
  let lockTable: Record<string, NodeLock> = {};
  const myLocks = new Set<string>();
  let selectedNode: string | null = null;
  // What the editor was last given, so an answer that changes nothing visible does not redraw the page.
  let shownFrom: { confirmed: Session["confirmed"]; pending: Session["pending"] } | null = null;
  useCollab.setState({ ...initialCollab, status: "joining" });
  // Keeps run views on this page from leaving the group (and so cutting off these events) while the session runs.
  const releaseGroup = holdWorkflowGroup(workflowId);

  const me = () => useCollab.getState().me?.connectionId ?? null;
  const canEdit = () => (roleRank[useEditor.getState().role] ?? 0) >= roleRank.edit;
  const connected = () => !stopped && conn?.state === "Connected";

  /** Pushes what the session shows into the editor, reports refusals, sends what may be sent. */
  function publish() {
    const [next, refusals] = takeRefusals(session);
    session = next;
    showSession();
    if (refusals.length > 0) useEditor.setState({ refusal: `Your change was not kept: ${refusals.join(" ")}` });
    useCollab.setState({ pendingCount: session.pending.length });
    if (needsResync(session, Date.now())) {
      if (!joinInFlight) void join();
    }
    else if (session.held.length > 0 && !gapTimer) {
      gapTimer = setTimeout(() => {
        gapTimer = null;
        publish();
      }, GAP_TIMEOUT_MS + 50);
    }
    pump();
  }

  function showSession() {
    if (shownFrom && shownFrom.confirmed === session.confirmed && shownFrom.pending.length === session.pending.length && shownFrom.pending.every((p, i) => p.op === session.pending[i]?.op)) return;
    const shown = shownDocument(session);
    if (!shown || !session.confirmed) return;
    shownFrom = { confirmed: session.confirmed, pending: session.pending };
    useEditor.getState().showLive(shown, session.confirmedVersion, pendingOperations(session), session.confirmed);
  }

  function pump() {
    const msg = nextToSend(session);
    const c = conn;
    if (!msg || !c || !connected() || !canEdit()) return;
    if (JSON.stringify(msg).length > MAX_MESSAGE_CHARS) {
      session = receiveOutcome(session, msg.seq, { accepted: false, reason: "This change is too large to send in one piece; make it in smaller steps." });
      publish();
      return;
    }
    session = markSending(session, msg.seq);
    c.invoke<ApplyOutcome>("Apply", workflowId, msg).then(
      (outcome) => {
        if (stopped) return;
        session = receiveOutcome(session, msg.seq, outcome);
        publish();
      },
      (error) => {
        if (stopped) return;
        // Refused by the hub (e.g. the role changed) versus lost with the connection: the latter goes out again after the rejoin.
        session = connected() ? receiveOutcome(session, msg.seq, { accepted: false, reason: hubMessage(error) }) : sendFailed(session, msg.seq);
        publish();
      },
    );
  }

  function onLocalOp(op: Operation) {
    session = addLocal(session, op);
    // The editor already shows this change (it applied it): only the list of unconfirmed operations changes.
    shownFrom = { confirmed: session.confirmed, pending: session.pending };
    useEditor.setState({ unsaved: pendingOperations(session) });
    useCollab.setState({ pendingCount: session.pending.length });
    pump();
  }

  function setLocks(table: Record<string, NodeLock>) {
    lockTable = table;
    useEditor.setState({ locks: table });
  }

  function setParticipants(participants: Participant[]) {
    const present = new Set(participants.map((p) => p.connectionId));
    useCollab.setState((s) => ({ participants, cursors: liveCursors(s.cursors, present, Date.now()) }));
    useEditor.setState((s) => ({ remoteSelections: selectionsByNode(participants, me(), s.remoteSelections) }));
  }

  /** Back to saving by hand: what is pending becomes the unsaved changes on top of the confirmed version. */
  function fallBackToManual() {
    useEditor.setState({ localOps: null, locks: {}, remoteSelections: {} });
    shownFrom = null;
    showSession();
    useCollab.setState({ status: "unavailable", participants: [], cursors: {}, me: null, actions: null });
  }

  async function join() {
    const c = conn;
    if (!c || !connected()) return;
    const attempt = ++joinCount;
    const first = !session.confirmed;
    joinInFlight = true;
    try {
      const r = await c.invoke<JoinResult>("Join", workflowId);
      if (stopped || attempt !== joinCount) return;
      if (first) {
        // Changes made while joining (or restored from a draft) were made on the loaded version: they go out now.
        for (const op of useEditor.getState().unsaved) session = addLocal(session, op);
        useEditor.setState({ localOps: onLocalOp });
      }
      session = receiveSnapshot(session, { version: r.version, document: r.document }, Date.now());
      useEditor.setState({ role: r.role });
      useCollab.setState({ status: "live", me: r.you, actions });
      setParticipants(r.participants);
      setLocks(locksOfOthers(r.locks, r.you.connectionId));
      publish();
      if (!first) {
        // A new connection has neither this page's selection nor its locks: take them again now, not at the next renewal.
        if (selectedNode) actions.select(selectedNode);
        for (const nodeId of [...myLocks]) void actions.lock(nodeId);
      }
    } catch (error) {
      if (stopped || attempt !== joinCount) return;
      if (!connected()) return; // the reconnect joins again
      if (!first) useEditor.setState({ refusal: `Live editing stopped: ${hubMessage(error)} Save by hand.` });
      fallBackToManual();
    } finally {
      if (attempt === joinCount) joinInFlight = false;
    }
  }

  const sendCursor = throttleLatest((p: { x: number; y: number }) => {
    if (connected()) void conn?.send("MoveCursor", workflowId, p.x, p.y).catch(() => undefined);
  }, CURSOR_INTERVAL_MS);

  const actions: LiveActions = {
    moveCursor: (x, y) => sendCursor.push({ x: Math.round(x), y: Math.round(y) }),
    select: (nodeId) => {
      selectedNode = nodeId;
      if (connected()) void conn?.invoke("Select", workflowId, nodeId).catch(() => undefined);
    },
    lock: async (nodeId) => {
      if (!connected() || !conn) return null;
      try {
        const r = await conn.invoke<LockResult>("Lock", workflowId, nodeId);
        if (r.granted) {
          myLocks.add(nodeId);
          if (lockTable[nodeId]) setLocks(withLockChange(lockTable, nodeId, null, me()));
        } else {
          myLocks.delete(nodeId);
          if (r.lock) setLocks(withLockChange(lockTable, nodeId, r.lock, me()));
        }
        return r;
      } catch {
        return null;
      }
    },
    releaseLock: (nodeId) => {
      if (!myLocks.delete(nodeId)) return;
      if (connected()) void conn?.invoke("ReleaseLock", workflowId, nodeId).catch(() => undefined);
    },
    breakLock: async (nodeId) => {
      if (!connected() || !conn) return;
      try {
        await conn.invoke("BreakLock", workflowId, nodeId);
      } catch (error) {
        useEditor.setState({ refusal: hubMessage(error) });
      }
    },
  };

  const forThis = (e: { workflowId?: string }) => !stopped && (!e.workflowId || e.workflowId.toLowerCase() === workflowId.toLowerCase());
  const handlers: Handlers = {
    operationApplied: (e: AppliedEvent) => {
      if (!forThis(e)) return;
      session = receiveApplied(session, e, Date.now());
      publish();
    },
    documentChanged: (e: { workflowId: string }) => {
      if (forThis(e)) void join();
    },
    presenceChanged: (e: { workflowId: string; participants: Participant[] }) => {
      if (forThis(e)) setParticipants(e.participants);
    },
    cursorMoved: (e: CursorEvent) => {
      if (forThis(e)) useCollab.setState((s) => ({ cursors: withCursor(s.cursors, e, me(), Date.now()) }));
    },
    lockChanged: (e: { workflowId: string; nodeId: string; lock: NodeLock | null; brokenBy?: unknown }) => {
      if (!forThis(e)) return;
      if (myLocks.has(e.nodeId) && e.lock?.connectionId !== me()) {
        myLocks.delete(e.nodeId);
        const by = typeof e.brokenBy === "string" ? e.brokenBy : (e.brokenBy as { displayName?: string } | undefined)?.displayName;
        if (e.brokenBy) useEditor.setState({ refusal: `${by ?? "A manager"} took over editing of "${e.nodeId}".` });
      }
      setLocks(withLockChange(lockTable, e.nodeId, e.lock, me()));
    },
    accessRevoked: (e: { workflowId: string }) => {
      if (!forThis(e)) return;
      stop(false);
      useCollab.setState({ ...initialCollab, status: "revoked" });
    },
    roleChanged: (e: { workflowId: string; role: Role }) => {
      if (!forThis(e)) return;
      useEditor.setState({ role: e.role });
      pump();
    },
  };

  const cursorSweep = setInterval(() => useCollab.setState((s) => ({ cursors: liveCursors(s.cursors, null, Date.now()) })), 1000);

  const stopStatus = onHubStatus((status) => {
    const before = hubStatus;
    hubStatus = status;
    const mine = useCollab.getState().status;
    if (stopped || before === null || mine === "unavailable" || mine === "revoked") return;
    if (status === "reconnecting") {
      session = disconnected(session);
      if (mine === "live") useCollab.setState({ status: "reconnecting", cursors: {} });
    } else if (status === "connected" && before === "reconnecting") void join();
    else if (status === "offline") fallBackToManual();
  });

  void (async () => {
    try {
      const c = await startedHub();
      if (stopped) return;
      conn = c;
      for (const [name, fn] of Object.entries(handlers)) c.on(name, fn as (...args: unknown[]) => void);
      await join();
    } catch {
      if (!stopped) fallBackToManual();
    }
  })();

  function stop(leave: boolean) {
    if (stopped) return;
    stopped = true;
    releaseGroup();
    sendCursor.cancel();
    clearInterval(cursorSweep);
    if (gapTimer) clearTimeout(gapTimer);
    stopStatus();
    const c = conn;
    if (c) {
      for (const [name, fn] of Object.entries(handlers)) c.off(name, fn as (...args: unknown[]) => void);
      if (leave && c.state === "Connected") void c.invoke("Leave", workflowId).catch(() => undefined);
    }
    useEditor.setState({ localOps: null, locks: {}, remoteSelections: {} });
  }

  return () => {
    stop(true);
    useCollab.setState(initialCollab);
  };
}

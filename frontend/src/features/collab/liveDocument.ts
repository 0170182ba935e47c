// The document half of a live session: hub events go into the session model (session.ts), the editor shows what
// the session computes, and this page's operations go to the hub one at a time.
import { roleRank, type Role } from "@/lib/api/types";
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
import type { JoinResult } from "./presence";
import { useCollab } from "./store";
import { hubMessage, isConnected, isForWorkflow, type Handlers, type Joining, type LiveLink } from "./liveLink";

/** The hub closes a connection whose message exceeds 64 KB; a larger change is refused here instead of looping on reconnects. */
const MAX_MESSAGE_CHARS = 60_000;

export interface LiveDocument {
  handlers: Handlers;
  /** Whether the session has a confirmed document yet (false until the first Join answered). */
  joined: () => boolean;
  /** Takes a Join answer: on the first, this page's unsaved changes become the session's pending ones. */
  receiveJoin: (answer: JoinResult) => void;
  /** Shows the session in the editor, reports refusals and sends what may be sent. */
  publish: () => void;
  /** The connection dropped: what was in flight goes out again after the rejoin. */
  disconnect: () => void;
  /** Shows the session as it stands once more, also when it looks unchanged (after falling back to saving by hand). */
  showAgain: () => void;
  stop: () => void;
}

function randomId(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto ? crypto.randomUUID() : `${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
}

export function startDocumentSync(link: LiveLink, joining: Joining): LiveDocument {
  let session: Session = createSession(randomId());
  let gapTimer: ReturnType<typeof setTimeout> | null = null;
  // What the editor was last given, so an answer that changes nothing visible does not redraw the page.
  let shownFrom: { confirmed: Session["confirmed"]; pending: Session["pending"] } | null = null;
  const canEdit = () => (roleRank[useEditor.getState().role] ?? 0) >= roleRank.edit;

  /** Pushes what the session shows into the editor, reports refusals, sends what may be sent. */
  function publish() {
    const [next, refusals] = takeRefusals(session);
    session = next;
    showSession();
    if (refusals.length > 0) useEditor.setState({ refusal: `Your change was not kept: ${refusals.join(" ")}` });
    useCollab.setState({ pendingCount: session.pending.length });
    if (needsResync(session, Date.now())) joining.rejoin();
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
    const conn = link.conn;
    if (!msg || !conn || !isConnected(link) || !canEdit()) return;
    if (JSON.stringify(msg).length > MAX_MESSAGE_CHARS) {
      session = receiveOutcome(session, msg.seq, { accepted: false, reason: "This change is too large to send in one piece; make it in smaller steps." });
      publish();
      return;
    }
    session = markSending(session, msg.seq);
    conn.invoke<ApplyOutcome>("Apply", link.workflowId, msg).then(
      (outcome) => {
        if (link.stopped) return;
        session = receiveOutcome(session, msg.seq, outcome);
        publish();
      },
      (error) => {
        if (link.stopped) return;
        // Refused by the hub (e.g. the role changed) versus lost with the connection: the latter goes out again after the rejoin.
        session = isConnected(link) ? receiveOutcome(session, msg.seq, { accepted: false, reason: hubMessage(error) }) : sendFailed(session, msg.seq);
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

  const handlers: Handlers = {
    operationApplied: (e: AppliedEvent) => {
      if (!isForWorkflow(link, e)) return;
      session = receiveApplied(session, e, Date.now());
      publish();
    },
    documentChanged: (e: { workflowId: string }) => {
      if (isForWorkflow(link, e)) void joining.join();
    },
    roleChanged: (e: { workflowId: string; role: Role }) => {
      if (!isForWorkflow(link, e)) return;
      useEditor.setState({ role: e.role });
      pump();
    },
  };

  return {
    handlers,
    joined: () => session.confirmed !== null,
    receiveJoin: (answer) => {
      if (!session.confirmed) {
        // Changes made while joining (or restored from a draft) were made on the loaded version: they go out now.
        for (const op of useEditor.getState().unsaved) session = addLocal(session, op);
        useEditor.setState({ localOps: onLocalOp });
      }
      session = receiveSnapshot(session, { version: answer.version, document: answer.document }, Date.now());
      useEditor.setState({ role: answer.role });
    },
    disconnect: () => {
      session = disconnected(session);
    },
    showAgain: () => {
      shownFrom = null;
      showSession();
    },
    stop: () => {
      if (gapTimer) clearTimeout(gapTimer);
    },
    publish,
  };
}

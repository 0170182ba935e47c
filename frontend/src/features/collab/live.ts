// The editor's live connection to a workflow (docs/collaboration.md): joins through the shared hub connection and
// composes the document half (liveDocument.ts) and the presence half (livePresence.ts) of the session.
"use client";
import { onHubStatus, holdWorkflowGroup, startedHub, type HubStatus } from "@/lib/realtime/hub";
import { useEditor } from "@/features/document/store";
import type { JoinResult } from "./presence";
import { initialCollab, useCollab } from "./store";
import { hubMessage, isConnected, isForWorkflow, type Handlers, type Joining, type LiveLink } from "./liveLink";
import { startDocumentSync } from "./liveDocument";
import { startPresence } from "./livePresence";
import { locksOfOthers } from "./presence";

/**
 * Starts the live session of one workflow; returns the function that leaves it. While the hub is
 * unreachable or Join is refused the editor keeps saving by hand (status "unavailable").
 */
export function startLive(workflowId: string): () => void {
  const link: LiveLink = { workflowId, conn: null, stopped: false };
  useCollab.setState({ ...initialCollab, status: "joining" });
  // Keeps run views on this page from leaving the group (and so cutting off these events) while the session runs.
  const releaseGroup = holdWorkflowGroup(workflowId);
  const joining = joiner(link, () => documentSync, () => presence);
  const documentSync = startDocumentSync(link, joining);
  const presence = startPresence(link);
  const handlers: Handlers = {
    ...documentSync.handlers,
    ...presence.handlers,
    accessRevoked: (e: { workflowId: string }) => {
      if (!isForWorkflow(link, e)) return;
      stop(false);
      useCollab.setState({ ...initialCollab, status: "revoked" });
    },
  };
  const stopStatus = followHubStatus(link, documentSync, joining);

  void (async () => {
    try {
      const conn = await startedHub();
      if (link.stopped) return;
      link.conn = conn;
      for (const [name, fn] of Object.entries(handlers)) conn.on(name, fn as (...args: unknown[]) => void);
      await joining.join();
    } catch {
      if (!link.stopped) fallBackToManual(documentSync);
    }
  })();

  function stop(leave: boolean) {
    if (link.stopped) return;
    link.stopped = true;
    releaseGroup();
    presence.stop();
    documentSync.stop();
    stopStatus();
    const conn = link.conn;
    if (conn) {
      for (const [name, fn] of Object.entries(handlers)) conn.off(name, fn as (...args: unknown[]) => void);
      if (leave && conn.state === "Connected") void conn.invoke("Leave", workflowId).catch(() => undefined);
    }
    useEditor.setState({ localOps: null, locks: {}, remoteSelections: {} });
  }

  return () => {
    stop(true);
    useCollab.setState(initialCollab);
  };
}

type DocumentPart = ReturnType<typeof startDocumentSync>;
type PresencePart = ReturnType<typeof startPresence>;

/** Back to saving by hand: what is pending becomes the unsaved changes on top of the confirmed version. */
function fallBackToManual(document: DocumentPart) {
  useEditor.setState({ localOps: null, locks: {}, remoteSelections: {} });
  document.showAgain();
  useCollab.setState({ status: "unavailable", participants: [], cursors: {}, me: null, actions: null });
}

function joiner(link: LiveLink, document: () => DocumentPart, presence: () => PresencePart): Joining {
  let joinCount = 0;
  let inFlight = false;

  async function join() {
    const conn = link.conn;
    if (!conn || !isConnected(link)) return;
    const attempt = ++joinCount;
    const first = !document().joined();
    inFlight = true;
    try {
      const answer = await conn.invoke<JoinResult>("Join", link.workflowId);
      if (link.stopped || attempt !== joinCount) return;
      document().receiveJoin(answer);
      useCollab.setState({ status: "live", me: answer.you, actions: presence().actions });
      presence().setParticipants(answer.participants);
      presence().setLocks(locksOfOthers(answer.locks, answer.you.connectionId));
      document().publish();
      if (!first) presence().reclaim();
    } catch (error) {
      if (link.stopped || attempt !== joinCount) return;
      if (!isConnected(link)) return; // the reconnect joins again
      if (!first) useEditor.setState({ refusal: `Live editing stopped: ${hubMessage(error)} Save by hand.` });
      fallBackToManual(document());
    } finally {
      if (attempt === joinCount) inFlight = false;
    }
  }

  return {
    join,
    rejoin: () => {
      if (!inFlight) void join();
    },
  };
}

/** The shared connection's status: a reconnect holds changes and joins again; going offline means saving by hand. */
function followHubStatus(link: LiveLink, document: DocumentPart, joining: Joining): () => void {
  let hubStatus: HubStatus | null = null;
  return onHubStatus((status) => {
    const before = hubStatus;
    hubStatus = status;
    const mine = useCollab.getState().status;
    if (link.stopped || before === null || mine === "unavailable" || mine === "revoked") return;
    if (status === "reconnecting") {
      document.disconnect();
      if (mine === "live") useCollab.setState({ status: "reconnecting", cursors: {} });
    } else if (status === "connected" && before === "reconnecting") void joining.join();
    else if (status === "offline") fallBackToManual(document);
  });
}

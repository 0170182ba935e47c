// One SignalR connection to /hubs/workflows per page, reconnecting by itself; listeners re-fetch state on any news.
"use client";
import type { HubConnection } from "@microsoft/signalr";
import { apiBaseUrl, currentToken } from "@/lib/api/client";

// The SignalR client is loaded on first use, keeping it out of the editor's first load.
let connection: Promise<HubConnection> | null = null;
let starting: Promise<void> | null = null;
// How many listeners on this page need each workflow's group (run views and the editor's live session):
// the group is left only when the last one goes, so closing one panel never cuts off the others' events.
const holders = new Map<string, number>();

/** Counts one more listener of the workflow's group; the returned function says whether it was the last. */
export function holdWorkflowGroup(workflowId: string): () => boolean {
  holders.set(workflowId, (holders.get(workflowId) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return false;
    released = true;
    const left = (holders.get(workflowId) ?? 1) - 1;
    if (left > 0) holders.set(workflowId, left);
    else holders.delete(workflowId);
    return left <= 0;
  };
}

/** Hub events the API sends (WorkflowHub / SignalRRunNotifier); any of them makes listeners refresh. */
export const RUN_EVENTS = ["runChanged", "taskChanged"];

export type HubStatus = "connecting" | "connected" | "reconnecting" | "offline";
const statusListeners = new Set<(s: HubStatus) => void>();
let status: HubStatus = "offline";
function setStatus(s: HubStatus) {
  status = s;
  statusListeners.forEach((l) => l(s));
}

export function onHubStatus(listener: (s: HubStatus) => void): () => void {
  statusListeners.add(listener);
  listener(status);
  return () => statusListeners.delete(listener);
}

async function joinWorkflow(c: HubConnection, workflowId: string) {
  try {
    await c.invoke("Subscribe", workflowId);
  } catch {
    // Refused (no access) or the hub is unreachable: the page's polling still shows the state.
  }
}

/** Asks the API to follow this run's task instances closely while someone is looking at it. */
export async function watchRun(workflowId: string, runId: string): Promise<void> {
  try {
    const c = await hubConnection();
    if (c.state === "Connected") await c.invoke("WatchRun", workflowId, runId);
  } catch {
    // Polling covers it.
  }
}

export function hubConnection(): Promise<HubConnection> {
  connection ??= import("@microsoft/signalr").then(({ HubConnectionBuilder, LogLevel }) => {
    const c = new HubConnectionBuilder()
      .withUrl(`${apiBaseUrl()}/hubs/workflows`, { accessTokenFactory: () => currentToken() ?? "" })
      .withAutomaticReconnect([0, 1000, 2000, 5000, 10000, 10000, 30000])
      .configureLogging(LogLevel.None)
      .build();
    c.onreconnecting(() => setStatus("reconnecting"));
    c.onreconnected(async () => {
      setStatus("connected");
      for (const id of [...holders.keys()]) await joinWorkflow(c, id);
    });
    c.onclose(() => setStatus("offline"));
    return c;
  });
  return connection;
}

/** The connection, started (or being started by someone else); rejects when the hub cannot be reached. */
export async function startedHub(): Promise<HubConnection> {
  const c = await hubConnection();
  try {
    if (c.state === "Disconnected") {
      setStatus("connecting");
      starting ??= c.start().finally(() => (starting = null));
      await starting;
      setStatus("connected");
    } else if (starting) await starting;
  } catch (e) {
    setStatus("offline");
    throw e;
  }
  return c;
}

/** Joins the workflow's group and calls onEvent for every run or deployment event; returns the unsubscribe. */
export function subscribeWorkflow(workflowId: string, onEvent: (payload: unknown) => void): () => void {
  let active = true;
  let conn: HubConnection | null = null;
  const release = holdWorkflowGroup(workflowId);
  void (async () => {
    try {
      const c = await hubConnection();
      if (!active) return;
      conn = c;
      for (const e of RUN_EVENTS) c.on(e, onEvent);
      await startedHub();
      await joinWorkflow(c, workflowId);
    } catch {
      // startedHub reported the hub offline; the page's polling still shows the state.
    }
  })();
  return () => {
    active = false;
    const last = release();
    const c = conn;
    if (!c) return;
    for (const e of RUN_EVENTS) c.off(e, onEvent);
    if (last && c.state === "Connected") void c.invoke("Unsubscribe", workflowId).catch(() => undefined);
  };
}

// One SignalR connection to /hubs/workflows per page, reconnecting by itself; listeners re-fetch state on any news.
"use client";
import { HubConnectionBuilder, HubConnectionState, LogLevel, type HubConnection } from "@microsoft/signalr";
import { apiBaseUrl, currentToken } from "@/lib/api/client";

let connection: HubConnection | null = null;
let starting: Promise<void> | null = null;
const joined = new Set<string>();

/** Hub events the API sends about runs and deployments; any of them makes listeners refresh. */
export const RUN_EVENTS = ["RunUpdated", "TaskUpdated", "RunStateChanged", "TaskStateChanged", "DeploymentUpdated"];

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
    await c.invoke("JoinWorkflow", workflowId);
  } catch {
    // Older hubs push run events to every subscriber of the user; polling covers the rest.
  }
}

export function hubConnection(): HubConnection {
  if (!connection) {
    connection = new HubConnectionBuilder()
      .withUrl(`${apiBaseUrl()}/hubs/workflows`, { accessTokenFactory: () => currentToken() ?? "" })
      .withAutomaticReconnect([0, 1000, 2000, 5000, 10000, 10000, 30000])
      .configureLogging(LogLevel.None)
      .build();
    connection.onreconnecting(() => setStatus("reconnecting"));
    connection.onreconnected(async () => {
      setStatus("connected");
      for (const id of joined) await joinWorkflow(connection as HubConnection, id);
    });
    connection.onclose(() => setStatus("offline"));
  }
  return connection;
}

/** Joins the workflow's group and calls onEvent for every run or deployment event; returns the unsubscribe. */
export function subscribeWorkflow(workflowId: string, onEvent: (payload: unknown) => void): () => void {
  const c = hubConnection();
  for (const e of RUN_EVENTS) c.on(e, onEvent);
  joined.add(workflowId);
  void (async () => {
    try {
      if (c.state === HubConnectionState.Disconnected) {
        setStatus("connecting");
        starting ??= c.start().finally(() => (starting = null));
        await starting;
        setStatus("connected");
      } else if (starting) await starting;
      await joinWorkflow(c, workflowId);
    } catch {
      setStatus("offline");
    }
  })();
  return () => {
    for (const e of RUN_EVENTS) c.off(e, onEvent);
    joined.delete(workflowId);
    if (c.state === HubConnectionState.Connected) void c.invoke("LeaveWorkflow", workflowId).catch(() => undefined);
  };
}

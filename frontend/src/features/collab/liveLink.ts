// What the parts of one live session share (live.ts composes them): the workflow, the hub connection once it is
// started, whether the session has ended, and the small questions each part asks of them.
import type { HubConnection } from "@microsoft/signalr";
import { useCollab } from "./store";

export interface LiveLink {
  readonly workflowId: string;
  conn: HubConnection | null;
  stopped: boolean;
}

/** Hub events of one workflow's handlers: each takes the event's payload. */
export interface Handlers { [event: string]: (payload: never) => void }

/** Joining the workflow's group: again after a reconnect or a gap in events; only the latest Join's answer counts. */
export interface Joining {
  join: () => Promise<void>;
  /** Joins again unless a Join is already on its way (a gap in events asks on every publish). */
  rejoin: () => void;
}

export function isConnected(link: LiveLink): boolean {
  return !link.stopped && link.conn?.state === "Connected";
}

/** This page's hub connection id once joined; others' presence and locks are told apart from ours by it. */
export function myConnectionId(): string | null {
  return useCollab.getState().me?.connectionId ?? null;
}

/** Events carry their workflow; one without is meant for every session on the connection. */
export function isForWorkflow(link: LiveLink, event: { workflowId?: string }): boolean {
  return !link.stopped && (!event.workflowId || event.workflowId.toLowerCase() === link.workflowId.toLowerCase());
}

/** The sentence a HubException carries, without SignalR's wrapping. */
export function hubMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const m = /HubException: (.*)$/s.exec(text);
  return (m?.[1] ?? text).trim();
}

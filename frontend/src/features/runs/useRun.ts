"use client";
import { useEffect, useRef, useState } from "react";
import { api } from "@/lib/api/client";
import type { RunDetail } from "@/lib/api/types";
import { subscribeWorkflow, watchRun } from "@/lib/realtime/hub";
import { isTaskChanged, withTaskChange } from "./stepStates";

/** "pending": accepted here, not yet in Airflow (it was unreachable); it can still be cancelled. */
export const ACTIVE_STATES = new Set(["pending", "queued", "running", "scheduled", "restarting", "up_for_retry", "up_for_reschedule", "deferred"]);

/**
 * Follows one run: pushes from the hub trigger a refresh (a task's change shows on its steps at once, before the
 * refresh says more), and a slow poll covers a lost connection.
 */
export function useRun(workflowId: string, runId: string | null): { run: RunDetail | null; error: unknown; refresh: () => void } {
  const [run, setRun] = useState<RunDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const refreshRef = useRef<() => void>(() => {});
  useEffect(() => {
    setRun(null);
    if (!runId) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = async () => {
      clearTimeout(timer);
      try {
        const r = await api.get<RunDetail>(`/workflows/${workflowId}/runs/${encodeURIComponent(runId)}`);
        if (!live) return;
        setRun(r);
        setError(null);
        if (ACTIVE_STATES.has(r.state) || r.tasks.some((t) => t.state === null || ACTIVE_STATES.has(t.state))) timer = setTimeout(refresh, 3000);
      } catch (e) {
        if (live) {
          setError(e);
          timer = setTimeout(refresh, 5000);
        }
      }
    };
    refreshRef.current = () => void refresh();
    void refresh();
    const unsubscribe = subscribeWorkflow(workflowId, (payload) => {
      if (isTaskChanged(payload)) setRun((r) => (r ? withTaskChange(r, payload) : r));
      void refresh();
    });
    // Task instances are fetched by the API only for runs someone watches.
    void watchRun(workflowId, runId);
    return () => {
      live = false;
      clearTimeout(timer);
      unsubscribe();
    };
  }, [workflowId, runId]);
  return { run, error, refresh: () => refreshRef.current() };
}

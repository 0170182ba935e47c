"use client";
import { useEffect, useState } from "react";
import { api } from "@/lib/api/client";
import type { RunPage } from "@/lib/api/types";
import { useEditor } from "@/features/document/store";
import { useRun } from "./useRun";

/**
 * The run the editor shows: the workflow's latest at first, then each one started from the editor. It is
 * published to the editor store, where the canvas colours the steps and the bottom panel lists its tasks.
 */
export function useCurrentRun(workflowId: string): { follow: (runId: string) => void; refresh: () => void } {
  const [runId, setRunId] = useState<string | null>(null);
  const { run, refresh } = useRun(workflowId, runId);
  const setRun = useEditor((s) => s.setRun);
  useEffect(() => {
    api.get<RunPage>(`/workflows/${workflowId}/runs`).then(
      (page) => setRunId((current) => current ?? page.items[0]?.runId ?? null),
      () => undefined,
    );
  }, [workflowId]);
  useEffect(() => setRun(run), [run, setRun]);
  useEffect(() => () => setRun(null), [setRun]);
  return { follow: setRunId, refresh };
}

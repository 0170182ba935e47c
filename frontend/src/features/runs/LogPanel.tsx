"use client";
import { useEffect, useRef, useState } from "react";
import { api, query } from "@/lib/api/client";
import type { LogChunk } from "@/lib/api/types";
import { ErrorMessage } from "@/features/shared/ErrorMessage";

/** A task's log that keeps following while the task runs; a step's log is its Airflow task's (a fused group's). */
export function LogPanel({ workflowId, runId, taskId, tryNumber }: { workflowId: string; runId: string; taskId: string; tryNumber: number }) {
  const [content, setContent] = useState("");
  const [airflowTask, setAirflowTask] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [follow, setFollow] = useState(true);
  const ref = useRef<HTMLPreElement>(null);
  useEffect(() => {
    let live = true;
    let token: string | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setContent("");
    setAirflowTask(null);
    setDone(false);
    const poll = async () => {
      try {
        const chunk = await api.get<LogChunk>(
          `/workflows/${workflowId}/runs/${encodeURIComponent(runId)}/tasks/${encodeURIComponent(taskId)}/logs${query({ try: tryNumber, token })}`,
        );
        if (!live) return;
        setContent((c) => c + chunk.content);
        setAirflowTask(chunk.taskId);
        token = chunk.continuationToken;
        setDone(chunk.done);
        setError(null);
        if (!chunk.done) timer = setTimeout(poll, 2000);
      } catch (e) {
        if (live) {
          setError(e);
          timer = setTimeout(poll, 5000);
        }
      }
    };
    void poll();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [workflowId, runId, taskId, tryNumber]);
  useEffect(() => {
    if (follow && ref.current) ref.current.scrollTop = ref.current.scrollHeight;
  }, [content, follow]);
  return (
    <section aria-label={`Log of ${taskId}`} className="stack">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <strong>
          Log: {taskId} (try {tryNumber})
          {airflowTask && airflowTask !== taskId && <span className="hint"> · steps run together in Airflow task <code>{airflowTask}</code></span>}
        </strong>
        <label className="inline hint">
          <input type="checkbox" checked={follow} onChange={(e) => setFollow(e.target.checked)} /> Follow
        </label>
      </div>
      {error !== null && <ErrorMessage error={error} doing="read the log" />}
      <pre className="log" ref={ref} data-testid="log-content" tabIndex={0}>
        {content || (done ? "(empty log)" : "Waiting for the log…")}
      </pre>
      {!done && <span className="hint" role="status">Following while the task runs…</span>}
    </section>
  );
}

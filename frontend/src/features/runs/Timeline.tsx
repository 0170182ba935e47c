"use client";
import type { TaskRun } from "@/lib/api/types";
import { formatDuration } from "@/features/shared/format";

export interface TimelineBar { taskId: string; state: string; left: number; width: number; seconds: number | null }

/** Places each task of a run on one time axis, as percentages of the run's span. */
export function timelineBars(tasks: TaskRun[], now = Date.now()): TimelineBar[] {
  const started = tasks.filter((t) => t.startedAt);
  if (started.length === 0) return tasks.map((t) => ({ taskId: t.taskId, state: t.state ?? "none", left: 0, width: 0, seconds: null }));
  const start = Math.min(...started.map((t) => new Date(t.startedAt as string).getTime()));
  const end = Math.max(...started.map((t) => (t.endedAt ? new Date(t.endedAt).getTime() : now)));
  const span = Math.max(1, end - start);
  return tasks.map((t) => {
    if (!t.startedAt) return { taskId: t.taskId, state: t.state ?? "none", left: 0, width: 0, seconds: null };
    const s = new Date(t.startedAt).getTime();
    const e = t.endedAt ? new Date(t.endedAt).getTime() : now;
    return { taskId: t.taskId, state: t.state ?? "none", left: ((s - start) / span) * 100, width: Math.max(0.5, ((e - s) / span) * 100), seconds: t.durationSeconds ?? (e - s) / 1000 };
  });
}

/** The run's Airflow tasks on one axis; `steps` names the steps a fused task ran (shown when it ran several). */
export function Timeline({ tasks, steps = {}, onSelect }: { tasks: TaskRun[]; steps?: Record<string, string[]>; onSelect?: (taskId: string) => void }) {
  const bars = timelineBars(tasks);
  return (
    <div className="gantt" role="table" aria-label="Task timeline">
      {bars.map((b) => (
        <div key={b.taskId} role="row" style={{ display: "contents" }}>
          <span role="cell">
            {onSelect ? <button type="button" className="small ghost" onClick={() => onSelect(b.taskId)}>{b.taskId}</button> : b.taskId}
            {(steps[b.taskId]?.length ?? 0) > 1 && <span className="hint"> steps {steps[b.taskId]?.join(" → ")}</span>}
          </span>
          <div className="track" role="cell" title={`${b.taskId}: ${b.state}`}>
            {b.width > 0 && <div className={`bar ${b.state}`} style={{ left: `${b.left}%`, width: `${b.width}%` }} />}
          </div>
          <span role="cell" className="hint">{b.seconds === null ? b.state : formatDuration(b.seconds)}</span>
        </div>
      ))}
    </div>
  );
}

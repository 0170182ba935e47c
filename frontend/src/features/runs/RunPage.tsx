"use client";
import { useState } from "react";
import Link from "next/link";
import type { RunDetail } from "@/lib/api/types";
import { ErrorMessage } from "@/features/shared/ErrorMessage";
import { durationBetween, formatDateTime, formatDuration } from "@/features/shared/format";
import { LogPanel } from "./LogPanel";
import { starterName, usePeople } from "./people";
import { Timeline } from "./Timeline";
import { useRun } from "./useRun";

/** The steps each Airflow task of the run ran, in order. */
function stepsByTask(run: RunDetail): Record<string, string[]> {
  const steps: Record<string, string[]> = {};
  for (const s of run.steps) (steps[s.taskId] ??= []).push(s.stepId);
  return steps;
}

export function RunPage({ workflowId, runId }: { workflowId: string; runId: string }) {
  const { run, error } = useRun(workflowId, runId);
  const [task, setTask] = useState<string | null>(null);
  const { people, me } = usePeople(workflowId);
  const selected = run?.tasks.find((t) => t.taskId === task);
  const starter = starterName(run?.triggeredBy ?? null, me, people);
  return (
    <main className="page stack">
      <p><Link href={`/workflows/${workflowId}/runs`}>← Run history</Link></p>
      <h1>Run {runId}</h1>
      {error !== null && <ErrorMessage error={error} doing="load the run" />}
      {run && (
        <>
          <div className="row">
            <span className={`badge ${run.state}`}>{run.state}</span>
            <span>Started {formatDateTime(run.startedAt)}</span>
            <span>· {formatDuration(durationBetween(run.startedAt, run.endedAt))}</span>
            <span title={starter.title} data-testid="run-starter">· by {starter.text}</span>
            {run.version && <span>· version {run.version}</span>}
          </div>
          <section>
            <h2>Timeline</h2>
            <p className="hint">Select a task to read its log.</p>
            <Timeline tasks={run.tasks} steps={stepsByTask(run)} onSelect={setTask} />
          </section>
          {selected && <LogPanel workflowId={workflowId} runId={run.runId} taskId={selected.taskId} tryNumber={Math.max(1, selected.tryNumber)} />}
        </>
      )}
    </main>
  );
}

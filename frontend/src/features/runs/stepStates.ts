// Hub news about a run, applied before the next fetch: a task's change names the steps it runs (several for a fused
// group), so all of them change on the canvas at once, and the fetch that follows says which step of the group did what.
import type { RunDetail, StepRun, TaskRun } from "@/lib/api/types";

/** What the hub's `taskChanged` event carries (SignalRRunNotifier). */
export interface TaskChanged {
  runId: string;
  taskId: string;
  /** The steps the task runs: several for a fused group, [taskId] for a step of its own. */
  steps: string[];
  state: string | null;
  tryNumber: number;
  durationSeconds: number | null;
}

export function isTaskChanged(payload: unknown): payload is TaskChanged {
  const p = payload as Partial<TaskChanged> | null;
  return typeof p?.runId === "string" && typeof p.taskId === "string" && Array.isArray(p.steps) && typeof p.tryNumber === "number";
}

/**
 * The run with a task's change applied to the task and to every step it runs. A step of a group takes the group's
 * state and try, but keeps its own duration and rows: the group's time is not the step's.
 */
export function withTaskChange(run: RunDetail, change: TaskChanged): RunDetail {
  if (change.runId !== run.runId) return run;
  const steps = new Set(change.steps);
  const apply = <T extends TaskRun | StepRun>(item: T): T => ({ ...item, state: change.state, tryNumber: change.tryNumber });
  const known = run.tasks.some((t) => t.taskId === change.taskId);
  return {
    ...run,
    tasks: known
      ? run.tasks.map((t) => (t.taskId === change.taskId ? { ...apply(t), durationSeconds: change.durationSeconds } : t))
      : [...run.tasks, { taskId: change.taskId, state: change.state, tryNumber: change.tryNumber, startedAt: null, endedAt: null, durationSeconds: change.durationSeconds }],
    steps: run.steps?.map((s) => (steps.has(s.stepId) ? apply(s) : s)),
  };
}

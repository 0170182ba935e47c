// The run as the canvas shows it: one state per step. The API reports each step (`steps` of GET .../runs/{runId}),
// also those of fused groups that ran together as one Airflow task, so a fused run looks like a per-step run.
import type { RunDetail, StepRun } from "@/lib/api/types";

/** The run's steps by step id, for the nodes of the same ids. */
export function stepsOf(run: RunDetail | null): Record<string, StepRun> {
  return Object.fromEntries((run?.steps ?? []).map((s) => [s.stepId, s]));
}

import { ApiError } from "@/lib/api/client";

/** A run of the workflow that has not finished, as the API names it when it refuses a deployment (409). */
export interface ActiveRun { runId: string; state: string }

/**
 * The runs a refused deployment names, or null when the error is anything else: then it is shown as an error,
 * not turned into a question. Deploying over them is the user's decision, so the editor asks before forcing.
 */
export function activeRunsOf(error: unknown): ActiveRun[] | null {
  if (!(error instanceof ApiError) || error.status !== 409) return null;
  const runs = error.problem.activeRuns;
  if (!Array.isArray(runs) || runs.length === 0) return null;
  return runs.filter((r): r is ActiveRun => typeof r?.runId === "string" && typeof r?.state === "string");
}

/** The question the editor asks, naming the runs (the first few) and what deploying would do to them. */
export function deployOverRunsQuestion(runs: ActiveRun[], version: number, shown = 3): string {
  const named = runs.slice(0, shown).map((r) => `${r.runId} (${r.state})`).join(", ");
  const more = runs.length > shown ? ` and ${runs.length - shown} more` : "";
  const count = runs.length === 1 ? "1 run is" : `${runs.length} runs are`;
  return `${count} still active: ${named}${more}. Deploying version ${version} now runs the tasks they have not started yet with the new version. Deploy anyway?`;
}

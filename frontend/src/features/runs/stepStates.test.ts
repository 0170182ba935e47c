import { describe, expect, it } from "vitest";
import type { RunDetail, StepRun } from "@/lib/api/types";
import { pipeline, testCatalog } from "@/features/document/testing";
import { buildNodes, type FlowInputs } from "@/features/editor/canvas/flow";
import { stepsOf } from "@/features/document/runSteps";
import { isTaskChanged, withTaskChange, type TaskChanged } from "./stepStates";

const GROUP = "extract__to__export";
const step = (stepId: string, taskId: string, state: string | null, over: Partial<StepRun> = {}): StepRun =>
  ({ stepId, taskId, state, tryNumber: 1, durationSeconds: null, rows: null, columns: null, error: null, ...over });

/** A fused run of the pipeline: its three steps ran as one Airflow task. */
function fusedRun(steps: StepRun[], groupState: string | null): RunDetail {
  return {
    runId: "wfc_1", state: "running", runType: "manual", params: null, startedAt: null, endedAt: null, triggeredBy: null, version: 1,
    tasks: [{ taskId: GROUP, state: groupState, tryNumber: 1, startedAt: null, endedAt: null, durationSeconds: null }],
    steps,
  };
}

/** The run state each node of the pipeline shows. */
function canvas(run: RunDetail): Record<string, string | null | undefined> {
  const input: FlowInputs = { doc: pipeline(), catalog: testCatalog, dragging: {}, selected: new Set(), selectedEdges: new Set(), issues: {}, runStates: stepsOf(run), locks: {}, sizes: {} };
  return Object.fromEntries(buildNodes(input, new Map()).map((n) => [n.id, n.data.run?.state]));
}

const change = (over: Partial<TaskChanged>): TaskChanged => ({ runId: "wfc_1", taskId: GROUP, steps: ["extract", "filter", "export"], state: "running", tryNumber: 1, durationSeconds: null, ...over });

describe("a fused run on the canvas", () => {
  it("colours each node by its step, not by the Airflow task it ran in", () => {
    const run = fusedRun([step("extract", GROUP, "success", { rows: 3 }), step("filter", GROUP, "failed", { error: "Step failed" }), step("export", GROUP, "upstream_failed")], "failed");

    expect(canvas(run)).toEqual({ extract: "success", filter: "failed", export: "upstream_failed" });
    expect(stepsOf(run).filter?.error).toBe("Step failed");
  });

  it("a group task's change lights every step it runs at once; the next fetch refines which step did what", () => {
    const queued = fusedRun([step("extract", GROUP, null), step("filter", GROUP, null), step("export", GROUP, null)], null);

    const running = withTaskChange(queued, change({ state: "running" }));
    expect(canvas(running)).toEqual({ extract: "running", filter: "running", export: "running" });
    expect(running.tasks[0]?.state).toBe("running");

    const failed = withTaskChange(running, change({ state: "failed" }));
    expect(canvas(failed)).toEqual({ extract: "failed", filter: "failed", export: "failed" });
    const fetched = fusedRun([step("extract", GROUP, "success"), step("filter", GROUP, "failed"), step("export", GROUP, "upstream_failed")], "failed");
    expect(canvas(fetched)).toEqual({ extract: "success", filter: "failed", export: "upstream_failed" });
  });

  it("a per-step run's task change lights its own step only, and news of another run changes nothing", () => {
    const run: RunDetail = { ...fusedRun([step("extract", "extract", "success"), step("filter", "filter", null), step("export", "export", null)], null), tasks: [] };

    const next = withTaskChange(run, change({ taskId: "filter", steps: ["filter"], state: "running" }));
    expect(canvas(next)).toEqual({ extract: "success", filter: "running", export: null });
    expect(next.tasks.map((t) => t.taskId)).toEqual(["filter"]);
    expect(withTaskChange(run, change({ runId: "wfc_other" }))).toBe(run);
  });

  it("knows a task change from the hub's other events", () => {
    expect(isTaskChanged(change({}))).toBe(true);
    expect(isTaskChanged({ runId: "wfc_1", state: "success", kind: "Changed" })).toBe(false);
    expect(isTaskChanged(null)).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/api/client";
import { activeRunsOf, deployOverRunsQuestion } from "./deployOverRuns";

const refusal = new ApiError(409, {
  status: 409,
  title: "The workflow has active runs",
  activeRuns: [{ runId: "wfc_a", state: "running" }, { runId: "wfc_b", state: "queued" }],
});

describe("deploying over active runs", () => {
  it("asks when the API refused because runs are active, naming them", () => {
    const runs = activeRunsOf(refusal);

    expect(runs).toEqual([{ runId: "wfc_a", state: "running" }, { runId: "wfc_b", state: "queued" }]);
    expect(deployOverRunsQuestion(runs!, 4)).toBe(
      "2 runs are still active: wfc_a (running), wfc_b (queued). Deploying version 4 now runs the tasks they have not started yet with the new version. Deploy anyway?",
    );
  });

  it("does not ask for other refusals: a stale version, a server error or an unreachable server stay errors", () => {
    expect(activeRunsOf(new ApiError(409, { status: 409, title: "Conflict", detail: "a newer version exists" }))).toBeNull();
    expect(activeRunsOf(new ApiError(500, { status: 500, activeRuns: [{ runId: "x", state: "running" }] }))).toBeNull();
    expect(activeRunsOf(new ApiError(0, { title: "The server cannot be reached", status: 0 }))).toBeNull();
    expect(activeRunsOf(new Error("boom"))).toBeNull();
  });

  it("names a few runs and counts the rest", () => {
    const runs = ["r1", "r2", "r3", "r4", "r5"].map((runId) => ({ runId, state: "running" }));

    expect(deployOverRunsQuestion(runs, 2)).toContain("5 runs are still active: r1 (running), r2 (running), r3 (running) and 2 more.");
    expect(deployOverRunsQuestion(runs.slice(0, 1), 2)).toMatch(/^1 run is still active: r1 \(running\)\./);
  });
});

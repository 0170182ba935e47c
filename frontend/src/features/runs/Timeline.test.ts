import { describe, expect, it } from "vitest";
import { timelineBars } from "./Timeline";

describe("run timeline", () => {
  it("lays out tasks on the run's time span", () => {
    const bars = timelineBars([
      { taskId: "a", state: "success", tryNumber: 1, startedAt: "2025-01-01T00:00:00Z", endedAt: "2025-01-01T00:00:10Z", durationSeconds: 10 },
      { taskId: "b", state: "success", tryNumber: 1, startedAt: "2025-01-01T00:00:10Z", endedAt: "2025-01-01T00:00:40Z", durationSeconds: 30 },
      { taskId: "c", state: "queued", tryNumber: 0, startedAt: null, endedAt: null, durationSeconds: null },
    ]);
    expect(bars.map((b) => [b.taskId, Math.round(b.left), Math.round(b.width)])).toEqual([["a", 0, 25], ["b", 25, 75], ["c", 0, 0]]);
  });
});

// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { createColumnHelper } from "@tanstack/react-table";
import type { RunSummary } from "@/lib/api/types";
import { pause, render } from "@/features/shared/testing/render";
import { useRunTable } from "./runTable";

const col = createColumnHelper<RunSummary>();
const columns = [col.accessor("state", { filterFn: "equalsString" }), col.accessor("runId", {}), col.accessor("startedAt", {})];
const run = (n: number, state = "success"): RunSummary => ({ runId: `r${n}`, state, runType: "manual", logicalDate: null, startedAt: `2025-03-0${n}T06:00:00Z`, endedAt: null, triggeredBy: null, version: 1 });

function Probe({ runs, filter, renders }: { runs: RunSummary[] | null; filter: string; renders: { count: number; rows: string[] } }) {
  const table = useRunTable(runs, filter, columns);
  renders.count++;
  renders.rows = table.getRowModel().rows.map((r) => r.original.runId);
  return null;
}

describe("run history table", () => {
  it("Clicking_a_run_froze_the_tab: a re-render settles instead of re-rendering without end", async () => {
    // A new filter (or data) array every render made the table reset its page on every render, forever; any
    // re-render after the first (a click on a run's link, news from the hub) started it.
    for (const [runs, filter] of [[null, ""], [[run(1), run(2, "failed")], ""], [[run(1), run(2, "failed")], "failed"]] as const) {
      const renders = { count: 0, rows: [] as string[] };
      const probe = <Probe runs={runs as RunSummary[] | null} filter={filter} renders={renders} />;
      const view = await render(probe, { useAct: false });
      await pause(50);
      await view.rerender(<Probe runs={runs as RunSummary[] | null} filter={filter} renders={renders} />);
      await pause(150);
      const settled = renders.count;
      await pause(150);
      expect(renders.count, `renders with ${filter || "no"} filter`).toBe(settled);
      expect(settled).toBeLessThan(8);
      await view.unmount();
    }
  });

  it("filters by state and sorts the newest first", async () => {
    const renders = { count: 0, rows: [] as string[] };
    const view = await render(<Probe runs={[run(1), run(3), run(2, "failed")]} filter="" renders={renders} />);
    expect(renders.rows).toEqual(["r3", "r2", "r1"]);
    await view.rerender(<Probe runs={[run(1), run(3), run(2, "failed")]} filter="success" renders={renders} />);
    expect(renders.rows).toEqual(["r3", "r1"]);
    await view.unmount();
  });
});

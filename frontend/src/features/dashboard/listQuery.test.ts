import { describe, expect, it } from "vitest";
import { deploymentText, listParams, nextRunText, type ListFilters } from "./listQuery";

const base: ListFilters = { search: "", tag: "", owner: "all", state: "", sorting: [{ id: "updatedAt", desc: true }], page: 1 };

describe("dashboard list query", () => {
  it("asks the server for the last run state so paging and totals count only matching workflows", () => {
    expect(listParams({ ...base, state: "run:failed", page: 2 }, "u1")).toMatchObject({ state: "failed", deployment: undefined, page: 2, pageSize: 20 });
    expect(listParams({ ...base, state: "run:never" }, "u1")).toMatchObject({ state: "never" });
    expect(listParams({ ...base, state: "run:cancelled" }, "u1")).toMatchObject({ state: "cancelled" });
  });

  it("asks for the deployment state when the filter is about deploying", () => {
    expect(listParams({ ...base, state: "deployment:import_error" }, "u1")).toMatchObject({ state: undefined, deployment: "import_error" });
  });

  it("sends search, tag, own workflows and sort along with the state", () => {
    expect(listParams({ ...base, search: "sales", tag: "daily", owner: "mine", state: "run:running", sorting: [{ id: "name", desc: false }] }, "u1"))
      .toEqual({ search: "sales", tag: "daily", owner: "u1", shared: undefined, state: "running", deployment: undefined, sort: "name", page: 1, pageSize: 20 });
    expect(listParams(base, "u1")).toMatchObject({ state: undefined, sort: "-updated", owner: undefined });
  });

  it("asks the server for workflows others share with me, so every page is full and the total counts only those", () => {
    expect(listParams({ ...base, owner: "shared", page: 2 }, "u1")).toMatchObject({ owner: undefined, shared: "true", page: 2 });
  });
});

describe("dashboard run facts", () => {
  it("shows the next run time, or why there is none", () => {
    expect(nextRunText({ nextRunAt: "2024-05-02T04:00:00Z", deploymentState: "parsed" }).muted).toBe(false);
    expect(nextRunText({ nextRunAt: null, deploymentState: null }).text).toBe("not deployed");
    expect(nextRunText({ nextRunAt: null, deploymentState: "parsed" })).toMatchObject({ text: "none", title: "Manual runs only, or paused in Airflow." });
    expect(nextRunText({ nextRunAt: null, deploymentState: "import_error" }).title).toContain("could not import");
  });

  it("words the deployment state for analysts", () => {
    expect(deploymentText("written")).toBe("waiting for Airflow");
    expect(deploymentText("parsed")).toBe("in Airflow");
    expect(deploymentText(null)).toBe("not yet");
  });
});

import { describe, expect, it } from "vitest";
import { pipeline } from "@/features/document/testing";
import type { WorkflowDocument } from "@/lib/api/types";
import { canvasChanges, changesOnCanvasHref, changesSinceParam, diffVersions, highlights } from "./versionDiff";

function edited(change: (doc: WorkflowDocument) => void): WorkflowDocument {
  const doc = structuredClone(pipeline());
  change(doc);
  return doc;
}

describe("diffVersions", () => {
  it("reads an inserted step as one addition, however the list shifted", () => {
    const after = edited((d) => {
      d.spec.tasks.splice(1, 0, { id: "clean", type: "transform.filter", config: { condition: "x > 1" }, dependsOn: ["extract"] });
    });

    const diff = diffVersions(pipeline(), after);

    expect(diff.steps.map((s) => `${s.kind} ${s.id}`)).toEqual(["added clean"]);
    expect(diff.steps[0]?.fields).toContainEqual({ field: "config.condition", before: undefined, after: "x > 1" });
  });

  it("puts each changed setting of a step side by side", () => {
    const after = edited((d) => {
      d.spec.tasks[1]!.config = { condition: "amount > 100", keep: "first" };
    });

    const diff = diffVersions(pipeline(), after);

    expect(diff.steps).toEqual([
      {
        id: "filter", type: "transform.filter", kind: "changed",
        fields: [
          { field: "config.condition", before: "amount > 0", after: "amount > 100" },
          { field: "config.keep", before: undefined, after: "first" },
        ],
      },
    ]);
  });

  it("lists removed steps with what they held, and the workflow's own settings apart", () => {
    const after = edited((d) => {
      d.spec.tasks = d.spec.tasks.filter((t) => t.id !== "export");
      d.spec.schedule = "15 7 * * 1-5";
      d.metadata.name = "Revenue by region";
    });

    const diff = diffVersions(pipeline(), after);

    expect(diff.steps.map((s) => `${s.kind} ${s.id}`)).toEqual(["removed export"]);
    expect(diff.steps[0]?.fields).toContainEqual({ field: "type", before: "load.csv", after: undefined });
    expect(diff.settings).toEqual([
      { field: "metadata.name", before: "Sales", after: "Revenue by region" },
      { field: "spec.schedule", before: pipeline().spec.schedule, after: "15 7 * * 1-5" },
    ]);
  });

  it("counts a step only moved on the canvas as moved, not changed", () => {
    const after = edited((d) => {
      d.layout.nodes.filter = { x: 250, y: 80 };
    });

    const diff = diffVersions(pipeline(), after);

    expect(diff.steps).toEqual([]);
    expect(diff.moved).toEqual(["filter"]);
  });

  it("marks added, changed and removed steps for the graph", () => {
    const after = edited((d) => {
      d.spec.tasks[1]!.config = { condition: "amount > 5" };
      d.spec.tasks = d.spec.tasks.filter((t) => t.id !== "export");
      d.spec.tasks.push({ id: "chart", type: "load.csv", config: {}, dependsOn: ["filter"] });
    });

    expect(highlights(diffVersions(pipeline(), after))).toEqual({ filter: "changed", chart: "added", export: "removed" });
  });
});

describe("changes on the editor's canvas", () => {
  it("marks added and changed steps and lists the removed ones, which the canvas cannot show", () => {
    const current = edited((d) => {
      d.spec.tasks[1]!.config = { condition: "amount > 5" };
      d.spec.tasks = d.spec.tasks.filter((t) => t.id !== "export");
      d.spec.tasks.push({ id: "chart", type: "load.csv", config: {}, dependsOn: ["filter"] });
    });

    expect(canvasChanges(pipeline(), current)).toEqual({
      marks: { filter: "changed", chart: "added" },
      removed: [{ id: "export", type: "load.csv" }],
    });
  });

  it("marks nothing for a step only moved, nor for the workflow's own settings", () => {
    const current = edited((d) => {
      d.layout.nodes.filter = { x: 250, y: 80 };
      d.spec.schedule = "0 6 * * *";
    });

    expect(canvasChanges(pipeline(), current)).toEqual({ marks: {}, removed: [] });
  });

  it("reads the version from the editor's address, which keeps it over a reload", () => {
    const href = changesOnCanvasHref("wf-1", 3);
    expect(href).toBe("/workflows/wf-1?changesSince=3");
    expect(changesSinceParam(new URL(href, "http://x").searchParams.get("changesSince"))).toBe(3);
    expect(changesSinceParam(null)).toBeNull();
    for (const wrong of ["", "0", "-2", "1.5", "v3", "3abc", "99999999999"]) expect(changesSinceParam(wrong)).toBeNull();
  });
});

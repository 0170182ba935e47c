import { describe, expect, it } from "vitest";
import { applyOperation } from "./operations";
import { connectionProblem, wouldCreateCycle } from "./graph";
import { pipeline, testCatalog } from "./testing";

describe("connection checks while dragging", () => {
  it("detects cycles through several tasks", () => {
    const doc = pipeline();
    expect(wouldCreateCycle(doc, "export", "extract")).toBe(true);
    expect(wouldCreateCycle(doc, "filter", "extract")).toBe(true);
    expect(wouldCreateCycle(doc, "extract", "export")).toBe(false);
  });

  it("refuses a loop, a self-loop and a duplicate with a reason", () => {
    const doc = pipeline();
    expect(connectionProblem(doc, testCatalog, "filter", "extract")).toMatch(/starts a pipeline/);
    let withUnion = doc;
    for (const task of [
      { id: "stack", type: "transform.union", config: {}, dependsOn: ["extract"] },
      { id: "after", type: "transform.filter", config: {}, dependsOn: ["stack"] },
    ]) {
      const r = applyOperation(withUnion, { kind: "addNode", task, position: { x: 0, y: 0 } });
      if (!r.ok) throw new Error(r.reason);
      withUnion = r.doc;
    }
    expect(connectionProblem(withUnion, testCatalog, "after", "stack")).toMatch(/loop/);
    expect(connectionProblem(doc, testCatalog, "filter", "filter")).toMatch(/itself/);
    expect(connectionProblem(doc, testCatalog, "extract", "filter")).toMatch(/already connected/);
  });

  it("refuses connecting into a source and out of a task that produces nothing", () => {
    const r = applyOperation(pipeline(), { kind: "addNode", task: { id: "second", type: "extract.csv", config: {}, dependsOn: [] }, position: { x: 0, y: 0 } });
    if (!r.ok) throw new Error(r.reason);
    expect(connectionProblem(r.doc, testCatalog, "filter", "second")).toMatch(/starts a pipeline/);
    expect(connectionProblem(r.doc, testCatalog, "export", "second")).toMatch(/no data/);
  });

  it("refuses a second input into a one-input task but allows a many-input port", () => {
    let doc = pipeline();
    for (const task of [
      { id: "second", type: "extract.csv", config: {}, dependsOn: [] },
      { id: "stack", type: "transform.union", config: {}, dependsOn: ["extract"] },
      { id: "join", type: "transform.join", config: {}, dependsOn: ["extract"] },
    ]) {
      const r = applyOperation(doc, { kind: "addNode", task, position: { x: 0, y: 0 } });
      if (!r.ok) throw new Error(r.reason);
      doc = r.doc;
    }
    expect(connectionProblem(doc, testCatalog, "second", "filter")).toMatch(/one input/);
    expect(connectionProblem(doc, testCatalog, "second", "stack")).toBeNull();
    expect(connectionProblem(doc, testCatalog, "second", "join")).toBeNull();
  });
});

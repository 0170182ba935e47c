import { describe, expect, it } from "vitest";
import type { WorkflowDocument } from "@/lib/api/types";
import { applyOperation, freeTaskId, readSettings, type Operation } from "./operations";
import { pipeline } from "./testing";

function apply(doc: WorkflowDocument, op: Operation) {
  const result = applyOperation(doc, op);
  if (!result.ok) throw new Error(`refused: ${result.reason}`);
  return result;
}

/** Every operation followed by its inverse gives back the document it started from. */
function expectRoundTrip(doc: WorkflowDocument, op: Operation) {
  const forward = apply(doc, op);
  expect(forward.doc).not.toEqual(doc);
  const back = apply(forward.doc, forward.inverse);
  expect(back.doc).toEqual(doc);
  return forward.doc;
}

describe("applyOperation", () => {
  it("adds a node with its position and removes it again on undo", () => {
    const doc = pipeline();
    const next = expectRoundTrip(doc, {
      kind: "addNode",
      task: { id: "clean", type: "transform.filter", config: {}, dependsOn: ["extract"] },
      position: { x: 10, y: 20 },
    });
    expect(next.spec.tasks.map((t) => t.id)).toEqual(["extract", "filter", "export", "clean"]);
    expect(next.layout.nodes.clean).toEqual({ x: 10, y: 20 });
  });

  it("deleting a node removes the edges that point at it and undo restores them in order", () => {
    const doc = pipeline();
    const next = expectRoundTrip(doc, { kind: "deleteNode", id: "filter" });
    expect(next.spec.tasks.find((t) => t.id === "export")?.dependsOn).toEqual([]);
    expect(next.layout.nodes.filter).toBeUndefined();
  });

  it("moves a node without touching the tasks", () => {
    const doc = pipeline();
    const next = expectRoundTrip(doc, { kind: "moveNode", id: "filter", position: { x: 5, y: 99 } });
    expect(next.spec.tasks).toBe(doc.spec.tasks);
  });

  it("renames a node everywhere it is referenced", () => {
    const next = expectRoundTrip(pipeline(), { kind: "updateNode", id: "filter", newId: "only_paid" });
    expect(next.spec.tasks.map((t) => t.id)).toEqual(["extract", "only_paid", "export"]);
    expect(next.spec.tasks[2]?.dependsOn).toEqual(["only_paid"]);
    expect(next.layout.nodes.only_paid).toEqual({ x: 200, y: 0 });
  });

  it("marks a step to run as its own Airflow task, renamed or not, and undo takes the mark away", () => {
    const marked = expectRoundTrip(pipeline(), { kind: "updateNode", id: "filter", ownTask: true });
    expect(marked.spec.tasks[1]?.ownTask).toBe(true);
    const renamed = expectRoundTrip(pipeline(), { kind: "updateNode", id: "filter", newId: "paid", ownTask: true });
    expect(renamed.spec.tasks[1]).toMatchObject({ id: "paid", ownTask: true });
    const cleared = expectRoundTrip(marked, { kind: "updateNode", id: "filter", ownTask: false });
    expect("ownTask" in (cleared.spec.tasks[1] ?? {})).toBe(false);
  });

  it("chooses fused execution for a workflow made before it, and undo leaves it naming none again", () => {
    const doc = pipeline();
    expect(readSettings(doc).execution).toBeNull();
    const fused = expectRoundTrip(doc, { kind: "updateSettings", changes: { execution: "fused" } });
    expect(fused.spec.execution).toBe("fused");
    const undone = apply(doc, { kind: "updateSettings", changes: { execution: "fused" } });
    expect("execution" in apply(undone.doc, undone.inverse).doc.spec).toBe(false);
    expect(expectRoundTrip(fused, { kind: "updateSettings", changes: { execution: "per-step" } }).spec.execution).toBe("per-step");
  });

  it("refuses an invalid or duplicate task id", () => {
    expect(applyOperation(pipeline(), { kind: "updateNode", id: "filter", newId: "Bad Id" }).ok).toBe(false);
    expect(applyOperation(pipeline(), { kind: "updateNode", id: "filter", newId: "export" }).ok).toBe(false);
  });

  it("sets, changes and removes one config field", () => {
    const doc = pipeline();
    const set = expectRoundTrip(doc, { kind: "updateConfig", id: "extract", path: ["delimiter"], value: ";" });
    expect(set.spec.tasks[0]?.config).toEqual({ path: "sales.csv", delimiter: ";" });
    const removed = expectRoundTrip(doc, { kind: "updateConfig", id: "extract", path: ["path"], value: undefined });
    expect(removed.spec.tasks[0]?.config).toEqual({});
    const nested = expectRoundTrip(doc, { kind: "updateConfig", id: "export", path: ["options", "header"], value: true });
    expect(nested.spec.tasks[2]?.config).toEqual({ options: { header: true } });
  });

  it("undoes setting a config field named like an inherited property by removing it", () => {
    const next = expectRoundTrip(pipeline(), { kind: "updateConfig", id: "export", path: ["constructor"], value: "x" });
    expect(next.spec.tasks[2]?.config).toEqual({ constructor: "x" });
  });

  it("adds an edge at a given input position and removes it on undo", () => {
    let doc = pipeline();
    doc = apply(doc, { kind: "addNode", task: { id: "other", type: "extract.csv", config: {}, dependsOn: [] }, position: { x: 0, y: 0 } }).doc;
    const next = expectRoundTrip(doc, { kind: "addEdge", source: "other", target: "filter", index: 0 });
    expect(next.spec.tasks.find((t) => t.id === "filter")?.dependsOn).toEqual(["other", "extract"]);
  });

  it("deleting an edge is undone at the same input position", () => {
    let doc = pipeline();
    doc = apply(doc, { kind: "addNode", task: { id: "other", type: "extract.csv", config: {}, dependsOn: [] }, position: { x: 0, y: 0 } }).doc;
    doc = apply(doc, { kind: "addEdge", source: "other", target: "filter", index: 0 }).doc;
    expectRoundTrip(doc, { kind: "deleteEdge", source: "other", target: "filter" });
  });

  it("refuses an edge that would close a cycle and leaves the document alone", () => {
    const doc = pipeline();
    const result = applyOperation(doc, { kind: "addEdge", source: "export", target: "extract" });
    expect(result).toEqual({ ok: false, reason: expect.stringContaining("cycle") });
    expect(applyOperation(doc, { kind: "addEdge", source: "filter", target: "filter" }).ok).toBe(false);
  });

  it("refuses operations on a task that no longer exists", () => {
    const doc = pipeline();
    expect(applyOperation(doc, { kind: "addEdge", source: "gone", target: "filter" }).ok).toBe(false);
    expect(applyOperation(doc, { kind: "updateConfig", id: "gone", path: ["a"], value: 1 }).ok).toBe(false);
    expect(applyOperation(doc, { kind: "moveNode", id: "gone", position: { x: 0, y: 0 } }).ok).toBe(false);
  });

  it("updates settings and restores exactly the previous values", () => {
    const doc = pipeline();
    const next = expectRoundTrip(doc, {
      kind: "updateSettings",
      changes: { name: "Sales daily", schedule: "0 6 * * *", timezone: "Europe/Berlin", retries: 3, tags: ["sales"] },
    });
    expect(readSettings(next)).toMatchObject({ name: "Sales daily", schedule: "0 6 * * *", timezone: "Europe/Berlin", retries: 3, tags: ["sales"] });
  });

  it("applies a batch all or nothing", () => {
    const doc = pipeline();
    const refused = applyOperation(doc, {
      kind: "batch",
      ops: [
        { kind: "moveNode", id: "extract", position: { x: 1, y: 1 } },
        { kind: "addEdge", source: "export", target: "extract" },
      ],
    });
    expect(refused.ok).toBe(false);
    expectRoundTrip(doc, { kind: "batch", ops: [{ kind: "deleteNode", id: "extract" }, { kind: "deleteNode", id: "export" }] });
  });

  it("never mutates the document it was given", () => {
    const doc = pipeline();
    const frozen = JSON.parse(JSON.stringify(doc));
    apply(doc, { kind: "deleteNode", id: "filter" });
    apply(doc, { kind: "updateConfig", id: "extract", path: ["path"], value: "x.csv" });
    expect(doc).toEqual(frozen);
  });

  it("suggests free ids for new nodes", () => {
    const doc = pipeline();
    expect(freeTaskId(doc, "transform.filter")).toBe("transform_filter");
    const withOne = apply(doc, { kind: "addNode", task: { id: "transform_filter", type: "transform.filter", config: {}, dependsOn: [] }, position: { x: 0, y: 0 } }).doc;
    expect(freeTaskId(withOne, "transform.filter")).toBe("transform_filter_2");
  });
});

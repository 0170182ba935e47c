import { describe, expect, it } from "vitest";
import { applyOperation } from "@/features/document/operations";
import { pipeline, testCatalog } from "@/features/document/testing";
import { buildEdges, buildNodes, type FlowInputs, type NodeCache } from "./flow";

function inputs(over: Partial<FlowInputs> = {}): FlowInputs {
  return { doc: pipeline(), catalog: testCatalog, dragging: {}, selected: new Set(), selectedEdges: new Set(), issues: {}, runStates: {}, locks: {}, sizes: {}, ...over };
}

describe("canvas view model", () => {
  it("rebuilds only the node that changed and keeps data when only its position changed", () => {
    const cache: NodeCache = new Map();
    const base = inputs();
    const first = buildNodes(base, cache);
    const moved = applyOperation(base.doc, { kind: "moveNode", id: "filter", position: { x: 1, y: 2 } });
    if (!moved.ok) throw new Error(moved.reason);
    const second = buildNodes({ ...base, doc: moved.doc }, cache);
    expect(second[0]).toBe(first[0]);
    expect(second[1]).not.toBe(first[1]);
    expect(second[1]?.position).toEqual({ x: 1, y: 2 });
    expect(second[1]?.data).toBe(first[1]?.data);
  });

  it("shows run state and issues from the view model, never from the document", () => {
    const cache: NodeCache = new Map();
    const nodes = buildNodes(
      inputs({
        runStates: { extract: { stepId: "extract", taskId: "extract", state: "success", tryNumber: 1, durationSeconds: 3, rows: null, columns: null, error: null } },
        issues: { filter: [{ message: "bad", source: "server" }] },
      }),
      cache,
    );
    expect(nodes[0]?.data.run?.state).toBe("success");
    expect(nodes[1]?.data.issues).toHaveLength(1);
    expect(JSON.stringify(pipeline())).not.toContain("success");
  });

  it("marks changed steps and rebuilds only the nodes whose own mark changed", () => {
    const cache: NodeCache = new Map();
    const base = inputs();
    const plain = buildNodes(base, cache);
    const marked = buildNodes({ ...base, changes: { filter: "changed" } }, cache);
    expect(marked.map((n) => n.data.change)).toEqual([undefined, "changed", undefined]);
    expect(marked[0]).toBe(plain[0]);
    expect(marked[2]).toBe(plain[2]);

    // A new set of marks (the document changed elsewhere) keeps every node whose mark is the same.
    const again = buildNodes({ ...base, changes: { filter: "changed", export: "added" } }, cache);
    expect(again[0]).toBe(marked[0]);
    expect(again[1]).toBe(marked[1]);
    expect(again[2]?.data.change).toBe("added");

    const hidden = buildNodes(base, cache);
    expect(hidden.map((n) => n.data.change)).toEqual([undefined, undefined, undefined]);
    expect(hidden[0]).toBe(again[0]);
  });

  it("draws one edge per dependency into the matching input port", () => {
    const doc = pipeline();
    doc.spec.tasks.push({ id: "join", type: "transform.join", config: {}, dependsOn: ["filter", "extract"] });
    const edges = buildEdges(doc, testCatalog, new Set(), {});
    expect(edges.filter((e) => e.target === "join").map((e) => [e.source, e.targetHandle])).toEqual([["filter", "in:left"], ["extract", "in:right"]]);
  });
});

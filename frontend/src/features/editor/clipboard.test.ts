import { describe, expect, it } from "vitest";
import { applyOperation } from "@/features/document/operations";
import { pipeline } from "@/features/document/testing";
import { copySelection, deleteOperations, pasteOperations } from "./clipboard";

describe("copy, paste and delete of a selection", () => {
  it("pastes copies with fresh ids, keeping only connections inside the selection", () => {
    const doc = pipeline();
    const clip = copySelection(doc, ["filter", "export"]);
    if (!clip) throw new Error("nothing copied");
    const { op, ids } = pasteOperations(doc, clip);
    const r = applyOperation(doc, op);
    if (!r.ok) throw new Error(r.reason);
    expect(ids).toEqual(["filter_copy", "export_copy"]);
    expect(r.doc.spec.tasks.find((t) => t.id === "filter_copy")?.dependsOn).toEqual([]);
    expect(r.doc.spec.tasks.find((t) => t.id === "export_copy")?.dependsOn).toEqual(["filter_copy"]);
    // Below the copied steps, not on them; a second paste goes below the first.
    expect(r.doc.layout.nodes.filter_copy).toEqual({ x: 200, y: 126 });
    const again = pasteOperations(r.doc, clip);
    expect(again.ids).toEqual(["filter_copy2", "export_copy2"]);
    const r2 = applyOperation(r.doc, again.op);
    if (!r2.ok) throw new Error(r2.reason);
    expect(r2.doc.layout.nodes.filter_copy2).toEqual({ x: 200, y: 252 });
  });

  it("deletes selected steps and connections as one undoable change", () => {
    const doc = pipeline();
    const op = deleteOperations(doc, ["export"], ["extract->filter", "filter->export"]);
    if (!op) throw new Error("nothing to delete");
    const r = applyOperation(doc, op);
    if (!r.ok) throw new Error(r.reason);
    expect(r.doc.spec.tasks.map((t) => [t.id, t.dependsOn])).toEqual([["extract", []], ["filter", []]]);
    const back = applyOperation(r.doc, r.inverse);
    expect(back.ok && back.doc).toEqual(doc);
  });
});

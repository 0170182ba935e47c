import { describe, expect, it } from "vitest";
import { applyOperation, type Operation } from "./operations";
import { diffDocuments } from "./diff";
import { rebase } from "./operations";
import { pipeline } from "./testing";

describe("what someone else changed", () => {
  it("names the changed, added and removed parts by task id", () => {
    const before = pipeline();
    let after = before;
    for (const op of [
      { kind: "updateConfig", id: "filter", path: ["condition"], value: "amount > 10" },
      { kind: "deleteNode", id: "export" },
      { kind: "updateSettings", changes: { name: "Sales v2" } },
    ] satisfies Operation[]) {
      const r = applyOperation(after, op);
      if (!r.ok) throw new Error(r.reason);
      after = r.doc;
    }
    const changes = diffDocuments(before, after);
    expect(changes).toContainEqual({ pointer: "/spec/tasks/filter/config/condition", kind: "changed", before: "amount > 0", after: "amount > 10" });
    expect(changes).toContainEqual(expect.objectContaining({ pointer: "/spec/tasks/export", kind: "removed" }));
    expect(changes).toContainEqual(expect.objectContaining({ pointer: "/metadata/name", kind: "changed", after: "Sales v2" }));
    expect(diffDocuments(before, before)).toEqual([]);
  });

  it("keeps my unsaved changes on top of a newer version and reports the ones that no longer fit", () => {
    const theirs = applyOperation(pipeline(), { kind: "deleteNode", id: "export" });
    if (!theirs.ok) throw new Error(theirs.reason);
    const { doc, refused } = rebase(theirs.doc, [
      { kind: "updateConfig", id: "extract", path: ["path"], value: "mine.csv" },
      { kind: "updateConfig", id: "export", path: ["path"], value: "out.csv" },
    ]);
    expect(doc.spec.tasks[0]?.config.path).toBe("mine.csv");
    expect(doc.spec.tasks.map((t) => t.id)).toEqual(["extract", "filter"]);
    expect(refused).toEqual(['Task "export" no longer exists.']);
  });
});

import { describe, expect, it } from "vitest";
import type { TaskType } from "@/lib/api/types";
import { exampleDocument, schemaDefaults } from "./examples";

const type = (id: string, category: string, inputs: number, properties: Record<string, unknown> = {}): TaskType => ({
  id, category, title: id, description: "", icon: "", preview: false,
  inputs: Array.from({ length: inputs }, (_, i) => ({ name: `in${i}`, title: "Data", many: false })),
  outputs: [{ name: "data", kind: "table" }],
  configSchema: { type: "object", properties: properties as never },
});

describe("example workflow", () => {
  it("chains an extract, a transform and a load with their defaults and example settings", () => {
    const doc = exampleDocument([
      type("load.file", "load", 1, { format: { type: "string", default: "csv" } }),
      type("extract.csv", "extract", 0),
      type("transform.filter", "transform", 1),
    ]);
    expect(doc?.spec.tasks.map((t) => [t.id, t.type, t.dependsOn])).toEqual([
      ["extract", "extract.csv", []],
      ["transform", "transform.filter", ["extract"]],
      ["load", "load.file", ["transform"]],
    ]);
    expect(doc?.spec.tasks[2]?.config).toEqual({ format: "csv", path: "exports/positive-sales.csv" });
  });

  it("offers nothing when the catalog cannot make a pipeline", () => {
    expect(exampleDocument([type("extract.csv", "extract", 0)])).toBeNull();
    expect(schemaDefaults({ properties: { a: { default: 1 }, b: {} } })).toEqual({ a: 1 });
  });
});

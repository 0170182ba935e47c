// Small fixtures for the document tests: a catalog and a three-task pipeline.
import type { TaskType, WorkflowDocument } from "@/lib/api/types";
import { emptyDocument } from "./operations";

const objectSchema = { type: "object", properties: {} } as const;

export const testCatalog: ReadonlyMap<string, TaskType> = new Map(
  (
    [
      { id: "extract.csv", category: "extract", title: "Read a CSV file", inputs: [], outputs: [{ name: "data", kind: "table" }] },
      { id: "transform.filter", category: "transform", title: "Filter rows", inputs: [{ name: "data", title: "Data", many: false }], outputs: [{ name: "data", kind: "table" }] },
      { id: "transform.join", category: "transform", title: "Join two tables", inputs: [{ name: "left", title: "Left", many: false }, { name: "right", title: "Right", many: false }], outputs: [{ name: "data", kind: "table" }] },
      { id: "transform.union", category: "transform", title: "Stack tables", inputs: [{ name: "tables", title: "Tables", many: true }], outputs: [{ name: "data", kind: "table" }] },
      { id: "load.csv", category: "load", title: "Export to CSV", inputs: [{ name: "data", title: "Data", many: false }], outputs: [{ name: "file", kind: "none" }] },
    ] as const
  ).map((t) => [t.id, { ...t, description: "", icon: "box", preview: false, configSchema: objectSchema, inputs: [...t.inputs], outputs: [...t.outputs] } as TaskType]),
);

export function pipeline(): WorkflowDocument {
  const doc = emptyDocument("Sales");
  return {
    ...doc,
    spec: {
      ...doc.spec,
      tasks: [
        { id: "extract", type: "extract.csv", config: { path: "sales.csv" }, dependsOn: [] },
        { id: "filter", type: "transform.filter", config: { condition: "amount > 0" }, dependsOn: ["extract"] },
        { id: "export", type: "load.csv", config: {}, dependsOn: ["filter"] },
      ],
    },
    layout: { nodes: { extract: { x: 0, y: 0 }, filter: { x: 200, y: 0 }, export: { x: 400, y: 0 } } },
  };
}

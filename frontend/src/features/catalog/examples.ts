// "Create from an example": a small pipeline built from whatever the catalog offers.
import type { JsonSchema, TaskType, WorkflowDocument } from "@/lib/api/types";
import { emptyDocument } from "@/features/document/operations";

/** The defaults a task type's config schema declares, as the form would start with them. */
export function schemaDefaults(schema: JsonSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (prop.default !== undefined) out[key] = prop.default;
  }
  return out;
}

// Settings that make the example valid as it is for the task types it prefers.
const exampleConfigs: Record<string, Record<string, unknown>> = {
  "extract.csv": { source: "examples/sales.csv" },
  "transform.filter": { conditions: [{ column: "amount", operator: "gt", value: 0 }] },
  "load.file": { path: "exports/positive-sales.csv" },
};

export function exampleDocument(types: TaskType[]): WorkflowDocument | null {
  const pick = (category: string, preferred: string) =>
    types.find((t) => t.id === preferred) ?? types.find((t) => t.category === category && (category === "extract" || t.inputs.length > 0));
  const chain = [pick("extract", "extract.csv"), pick("transform", "transform.filter"), pick("load", "load.file")].filter(
    (t): t is TaskType => t !== undefined,
  );
  if (chain.length < 2) return null;
  const doc = emptyDocument("Example: clean and export a CSV");
  doc.metadata.description = "Reads a file, keeps the rows you want and writes the result. Change the settings on each step.";
  doc.metadata.tags = ["example"];
  doc.spec.tasks = chain.map((t, i) => ({
    id: t.id.split(".")[0] ?? `step_${i}`,
    type: t.id,
    config: { ...schemaDefaults(t.configSchema), ...(exampleConfigs[t.id] ?? {}) },
    dependsOn: i === 0 ? [] : [chain[i - 1]?.id.split(".")[0] ?? ""],
  }));
  doc.layout.nodes = Object.fromEntries(doc.spec.tasks.map((t, i) => [t.id, { x: 80 + i * 280, y: 120 }]));
  return doc;
}

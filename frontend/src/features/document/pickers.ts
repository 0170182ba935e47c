// What a config field can be picked from: files of the data folder for a CSV step's source, and the columns of the
// upstream step (from its last preview or run) for column fields. Typing any other value stays possible.
import { create } from "zustand";
import type { WorkflowTask } from "@/lib/api/types";

export interface Picks { label: string; values: string[] }

interface KnownColumns {
  /** Column names of each step's table, from its last preview or run. */
  columns: Record<string, string[]>;
  remember: (stepId: string, names: string[]) => void;
}

export const useKnownColumns = create<KnownColumns>()((set) => ({
  columns: {},
  remember: (stepId, names) => set((s) => (s.columns[stepId]?.join("\u0000") === names.join("\u0000") ? s : { columns: { ...s.columns, [stepId]: names } })),
}));

/** Which upstream (by its position in dependsOn) feeds a column field of this step type, by the form's field id. */
function upstreamOf(type: string, fieldId: string): number | null {
  const field = fieldId.replace(/^root_/, "");
  switch (type) {
    case "transform.filter": return /^conditions_\d+_column$/.test(field) ? 0 : null;
    case "transform.join": return /^left_keys_\d+$/.test(field) ? 0 : /^right_keys_\d+$/.test(field) ? 1 : null;
    case "analyze.chart": return field === "x" || field === "group_by" || /^y_\d+$/.test(field) ? 0 : null;
    default: return null;
  }
}

/** The values offered under a field, or null when the field has none to offer. */
export function picksFor(task: WorkflowTask, fieldId: string, known: Record<string, string[]>, files: readonly string[]): Picks | null {
  if (task.type === "extract.csv" && fieldId === "root_source") {
    return files.length ? { label: "Your files", values: [...files] } : null;
  }
  const index = upstreamOf(task.type, fieldId);
  const upstream = index === null ? undefined : task.dependsOn[index];
  const columns = upstream ? known[upstream] : undefined;
  return columns?.length ? { label: `Columns of ${upstream}`, values: columns } : null;
}

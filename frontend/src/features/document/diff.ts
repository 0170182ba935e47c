// Differences between two documents as JSON pointers, to show what someone else changed.
import type { DiffChange } from "@/lib/api/types";

function escape(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

export function diffValues(before: unknown, after: unknown, pointer = ""): DiffChange[] {
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].flatMap((k) => {
      const p = `${pointer}/${escape(k)}`;
      if (!(k in before)) return [{ pointer: p, kind: "added" as const, after: after[k] }];
      if (!(k in after)) return [{ pointer: p, kind: "removed" as const, before: before[k] }];
      return diffValues(before[k], after[k], p);
    });
  }
  return [{ pointer: pointer || "/", kind: "changed", before, after }];
}

type Task = { id: string };
/** Tasks are compared by id rather than array position, so inserting one task reads as one change. */
export function diffDocuments(before: { spec: { tasks: Task[] } }, after: { spec: { tasks: Task[] } }): DiffChange[] {
  const byId = (tasks: Task[]) => Object.fromEntries(tasks.map((t) => [t.id, t]));
  const strip = (d: { spec: { tasks: Task[] } }) => ({ ...d, spec: { ...d.spec, tasks: byId(d.spec.tasks) } });
  return diffValues(strip(before), strip(after));
}

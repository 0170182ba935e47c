// Pure graph checks used while the user drags a connection and before an edge is added.
import type { TaskType, WorkflowDocument } from "@/lib/api/types";

/** True when the edge source -> target would close a cycle (target already reaches source). */
export function wouldCreateCycle(doc: WorkflowDocument, source: string, target: string): boolean {
  if (source === target) return true;
  const deps = new Map(doc.spec.tasks.map((t) => [t.id, t.dependsOn]));
  // Walk upstream from source; reaching target means target -> ... -> source already exists.
  const seen = new Set<string>();
  const stack = [source];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (id === target) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const up of deps.get(id) ?? []) stack.push(up);
  }
  return false;
}

/** Why connecting source -> target is not allowed, or null when it is. */
export function connectionProblem(
  doc: WorkflowDocument,
  catalog: ReadonlyMap<string, TaskType>,
  source: string,
  target: string,
): string | null {
  if (source === target) return "A task cannot depend on itself.";
  const sourceTask = doc.spec.tasks.find((t) => t.id === source);
  const targetTask = doc.spec.tasks.find((t) => t.id === target);
  if (!sourceTask || !targetTask) return "That task no longer exists.";
  if (targetTask.dependsOn.includes(source)) return "These tasks are already connected.";
  const sourceType = catalog.get(sourceTask.type);
  const targetType = catalog.get(targetTask.type);
  if (sourceType && sourceType.outputs.every((o) => o.kind === "none")) return `${sourceType.title} produces no data to pass on.`;
  if (targetType) {
    if (targetType.inputs.length === 0) return `${targetType.title} reads no input; it starts a pipeline.`;
    const takesMany = targetType.inputs.some((i) => i.many);
    if (!takesMany && targetTask.dependsOn.length >= targetType.inputs.length) {
      return `${targetType.title} takes ${targetType.inputs.length === 1 ? "one input" : `${targetType.inputs.length} inputs`}, and it is already connected.`;
    }
  }
  if (wouldCreateCycle(doc, source, target)) return "That connection would create a loop; workflows run in one direction.";
  return null;
}

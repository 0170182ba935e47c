// What the palette and the Arrange button do to the canvas: add a step (where it was dropped, or in the middle
// of what is visible) and arrange every step automatically.
"use client";
import { useCallback } from "react";
import { useReactFlow } from "@xyflow/react";
import { schemaDefaults } from "@/features/catalog/examples";
import { useEditor } from "@/features/document/store";
import { freeTaskId, type Operation, type Position } from "@/features/document/operations";

/** A node's size, so one placed "in the middle" is centred rather than hanging from its corner. */
const NODE_HALF = { x: 90, y: 40 };

export function useCanvasActions(onAdded: () => void) {
  const { fitView, screenToFlowPosition } = useReactFlow();

  const addTask = useCallback(
    (typeId: string, position?: Position) => {
      const st = useEditor.getState();
      const type = st.catalog.get(typeId);
      if (!st.doc || !type) return;
      const id = freeTaskId(st.doc, typeId.split(".").pop() ?? typeId);
      const rect = document.querySelector(".canvas")?.getBoundingClientRect();
      const at = position ?? (rect ? screenToFlowPosition({ x: rect.left + rect.width / 2 - NODE_HALF.x, y: rect.top + rect.height / 2 - NODE_HALF.y }) : { x: 0, y: 0 });
      if (st.apply({ kind: "addNode", task: { id, type: typeId, config: schemaDefaults(type.configSchema), dependsOn: [] }, position: { x: Math.round(at.x), y: Math.round(at.y) } })) {
        st.select([id]);
        onAdded();
      }
    },
    [screenToFlowPosition, onAdded],
  );

  const arrange = useCallback(async () => {
    const { autoLayout } = await import("../canvas/layout"); // dagre loads only when asked for
    const st = useEditor.getState();
    if (!st.doc || st.doc.spec.tasks.length === 0) return;
    const pos = autoLayout(st.doc.spec.tasks);
    st.apply({ kind: "batch", ops: Object.entries(pos).map(([id, position]): Operation => ({ kind: "moveNode", id, position })) });
    setTimeout(() => fitView({ duration: 300 }), 50);
  }, [fitView]);

  const fit = useCallback(() => void fitView({ duration: 300 }), [fitView]);
  return { addTask, arrange, fit };
}

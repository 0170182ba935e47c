// Dropping files from the desktop anywhere on the editor uploads them into the data folder; dropped on a CSV step
// (or its settings), the step reads the uploaded file.
"use client";
import { useState, type DragEvent } from "react";
import { useEditor } from "@/features/document/store";
import { carriesFiles, useFiles } from "./store";

/** The CSV step a drop is meant for: the node under the pointer, else the selected step when dropped on its settings. */
function csvStepAt(target: EventTarget | null): string | null {
  const st = useEditor.getState();
  const element = target instanceof Element ? target : null;
  const nodeId = element?.closest(".react-flow__node")?.getAttribute("data-id")
    ?? (element?.closest(".sidebar") && st.selectedNodes.length === 1 ? st.selectedNodes[0] : null);
  const task = st.doc?.spec.tasks.find((t) => t.id === nodeId);
  return task?.type === "extract.csv" ? task.id : null;
}

export function useFileDrop(workflowId: string, canEdit: boolean) {
  const [over, setOver] = useState(false);
  const accepts = (e: DragEvent) => canEdit && carriesFiles(e.dataTransfer.types);
  return {
    over,
    handlers: {
      onDragOver: (e: DragEvent) => {
        if (!accepts(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = "copy";
        setOver(true);
      },
      onDragLeave: (e: DragEvent) => {
        if (e.currentTarget === e.target) setOver(false);
      },
      onDrop: (e: DragEvent) => {
        if (!accepts(e)) return;
        e.preventDefault();
        setOver(false);
        const files = [...e.dataTransfer.files];
        if (files.length === 0) return;
        const step = csvStepAt(e.target);
        useEditor.getState().openPanel("files");
        void useFiles.getState().upload(workflowId, files).then((uploaded) => {
          const first = uploaded[0];
          if (step && first) useEditor.getState().apply({ kind: "updateConfig", id: step, path: ["source"], value: first.path });
        });
      },
    },
  };
}

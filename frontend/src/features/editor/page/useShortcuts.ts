// The editor's keyboard shortcuts (listed in ../shortcuts.ts), ignored while typing in a field except Ctrl+S.
"use client";
import { useEffect } from "react";
import { useEditor } from "@/features/document/store";
import { copySelection, deleteOperations, pasteOperations } from "../clipboard";
import { saveNow } from "../save";
import { isTyping } from "../shortcuts";

interface ShortcutActions {
  canEdit: boolean;
  save: () => Promise<void>;
  arrange: () => void;
  fit: () => void;
  showHelp: () => void;
  say: (notice: string) => void;
}

export function useShortcuts({ canEdit, save, arrange, fit, showHelp, say }: ShortcutActions) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const st = useEditor.getState();
      const mod = e.ctrlKey || e.metaKey;
      if (mod && e.key.toLowerCase() === "s") {
        e.preventDefault();
        if (canEdit) void saveNow(save).then((message) => message && say(message));
        return;
      }
      if (isTyping(e.target) || !st.doc) return;
      if (e.key === "?") return showHelp();
      if (!canEdit) return;
      const key = e.key.toLowerCase();
      if (mod && key === "z" && !e.shiftKey) { e.preventDefault(); st.undo(); }
      else if (mod && (key === "y" || (key === "z" && e.shiftKey))) { e.preventDefault(); st.redo(); }
      else if (mod && key === "c") { st.setClipboard(copySelection(st.doc, st.selectedNodes)); }
      else if (mod && key === "v" && st.clipboard) {
        e.preventDefault();
        const { op, ids } = pasteOperations(st.doc, st.clipboard);
        if (st.apply(op)) st.select(ids);
      } else if (mod && key === "a") { e.preventDefault(); st.select(st.doc.spec.tasks.map((t) => t.id)); }
      else if (e.key === "Delete" || e.key === "Backspace") {
        const op = deleteOperations(st.doc, st.selectedNodes, st.selectedEdges);
        if (op && st.apply(op)) st.select([]);
      } else if (e.shiftKey && key === "l") arrange();
      else if (e.shiftKey && key === "f") fit();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [canEdit, save, arrange, fit, showHelp, say]);
}

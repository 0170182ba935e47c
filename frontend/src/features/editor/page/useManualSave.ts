// Saving by hand (no live session): PUT with the version the edit was based on, keeping what was typed while the
// save was on its way, and the three ways out of a conflict (keep mine on top, reload theirs, save mine as a copy).
"use client";
import { useCallback, useState } from "react";
import { useRouter } from "next/navigation";
import { api } from "@/lib/api/client";
import type { WorkflowDetail } from "@/lib/api/types";
import { useEditor } from "@/features/document/store";
import { rebase } from "@/features/document/operations";
import { keepUnchanged } from "@/features/document/sharing";
import { clearDraft, saveWorkflow } from "../save";

export function useManualSave(workflowId: string, say: (notice: string) => void) {
  const router = useRouter();
  const [saving, setSaving] = useState(false);
  const [saveError, setSaveError] = useState<unknown>(null);
  const [conflict, setConflict] = useState<WorkflowDetail | null>(null);

  const save = useCallback(async () => {
    const st = useEditor.getState();
    if (!st.doc || !st.workflowId) return;
    setSaving(true);
    setSaveError(null);
    const sentOps = st.unsaved.length;
    try {
      const outcome = await saveWorkflow(st.workflowId, st.version, st.doc);
      if (outcome.kind === "conflict") return setConflict(outcome.current);
      const now = useEditor.getState();
      const typedMeanwhile = now.unsaved.slice(sentOps);
      useEditor.setState({
        version: outcome.detail.version,
        role: outcome.detail.role,
        baseDoc: outcome.detail.document,
        // The saved document equals the shown one: keeping its objects spares redrawing every step.
        doc: typedMeanwhile.length === 0 ? keepUnchanged(now.doc, outcome.detail.document) : now.doc,
        unsaved: typedMeanwhile,
      });
      if (typedMeanwhile.length === 0) clearDraft(st.workflowId);
      say(`Saved as version ${outcome.detail.version}.`);
    } catch (e) {
      setSaveError(e);
    } finally {
      setSaving(false);
    }
  }, [say]);

  const keepMine = () => {
    if (!conflict) return;
    const mine = useEditor.getState().unsaved;
    const { doc, refused } = rebase(conflict.document, mine);
    useEditor.getState().load(conflict);
    useEditor.setState({ doc, unsaved: mine });
    setConflict(null);
    say(refused.length ? `Your changes were applied on version ${conflict.version}, except: ${refused.join(" ")} Review, then save.` : `Your changes now sit on top of version ${conflict.version}. Review, then save.`);
  };
  const reload = () => {
    if (!conflict) return;
    useEditor.getState().load(conflict);
    clearDraft(workflowId);
    setConflict(null);
    say(`Reloaded version ${conflict.version}.`);
  };
  const saveCopy = async () => {
    const doc = useEditor.getState().doc;
    if (!doc) return;
    try {
      const copy = await api.post<WorkflowDetail>("/workflows", { ...doc, metadata: { ...doc.metadata, name: `${doc.metadata.name} (my copy)`, key: undefined } });
      clearDraft(workflowId);
      setConflict(null);
      router.push(`/workflows/${copy.id}`);
    } catch (e) {
      setSaveError(e);
    }
  };

  return { save, saving, saveError, conflict, resolve: { keepMine, reload, saveCopy, close: () => setConflict(null) } };
}

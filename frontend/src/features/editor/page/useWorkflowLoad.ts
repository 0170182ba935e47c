// Opening a workflow in the editor: the catalog into the store, the workflow itself, and an offer to restore
// unsaved work a local draft kept from an earlier visit; the draft is kept up to date while the page is open.
"use client";
import { useEffect, useState } from "react";
import { api } from "@/lib/api/client";
import type { TaskType, WorkflowDetail } from "@/lib/api/types";
import { useEditor } from "@/features/document/store";
import { forgetParkedDrafts, unsavedDrafts } from "../fields/draft";
import { readDraft, writeDraft } from "../save";

export type DraftOffer = NonNullable<ReturnType<typeof readDraft>>;

export function useWorkflowLoad(workflowId: string, types: TaskType[] | null) {
  const [loadError, setLoadError] = useState<unknown>(null);
  const [draftOffer, setDraftOffer] = useState<DraftOffer | null>(null);

  useEffect(() => {
    if (types) useEditor.getState().setCatalog(types);
  }, [types]);

  useEffect(() => {
    let current = true;
    forgetParkedDrafts();
    api.get<WorkflowDetail>(`/workflows/${workflowId}`).then(
      (d) => {
        if (!current) return;
        useEditor.getState().load(d);
        const draft = readDraft(workflowId);
        if (draft && draft.unsaved.length > 0) setDraftOffer(draft);
      },
      (e) => current && setLoadError(e),
    );
    return () => {
      current = false;
    };
  }, [workflowId]);

  useKeptDraft(workflowId, draftOffer !== null);
  useLeaveWarning();
  return { loadError, draftOffer, dismissDraftOffer: () => setDraftOffer(null) };
}

/** Keeps a local draft of unsaved work (not while an older draft is still on offer, which it would overwrite). */
function useKeptDraft(workflowId: string, offering: boolean) {
  const doc = useEditor((s) => s.doc);
  const unsaved = useEditor((s) => s.unsaved);
  const version = useEditor((s) => s.version);
  const loadedId = useEditor((s) => s.workflowId);
  useEffect(() => {
    if (loadedId === workflowId && doc && !offering) writeDraft(workflowId, version, doc, unsaved);
  }, [doc, unsaved, version, loadedId, workflowId, offering]);
}

/** Warns before leaving with unsaved changes, typed values that cannot be stored yet included. */
function useLeaveWarning() {
  useEffect(() => {
    const onLeave = (e: BeforeUnloadEvent) => {
      if (useEditor.getState().unsaved.length > 0 || unsavedDrafts() > 0) e.preventDefault();
    };
    window.addEventListener("beforeunload", onLeave);
    return () => window.removeEventListener("beforeunload", onLeave);
  }, []);
}

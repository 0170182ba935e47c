// Saving with the version the edit was based on; a 412 carries the newer version for the conflict dialog.
import { ApiError, api, request } from "@/lib/api/client";
import type { WorkflowDetail, WorkflowDocument } from "@/lib/api/types";
import type { Operation } from "@/features/document/operations";
import { flushDrafts } from "./fields/draft";
import { useCollab, whenAllSaved } from "@/features/collab/store";
import { useEditor } from "@/features/document/store";
import { countOf } from "@/features/shared/format";

export type SaveOutcome = { kind: "saved"; detail: WorkflowDetail } | { kind: "conflict"; current: WorkflowDetail };

export async function saveWorkflow(id: string, version: number, doc: WorkflowDocument): Promise<SaveOutcome> {
  try {
    const r = await request<WorkflowDetail>(`/workflows/${id}`, { method: "PUT", body: doc, headers: { "If-Match": `"${version}"` } });
    return { kind: "saved", detail: r.data };
  } catch (e) {
    if (e instanceof ApiError && e.status === 412) {
      const current = e.problem.current ?? (await api.get<WorkflowDetail>(`/workflows/${id}`));
      return { kind: "conflict", current };
    }
    throw e;
  }
}

/**
 * Ctrl+S: stores what the fields hold, then, editing live, waits until the server has every change and says
 * so; otherwise saves by hand. Returns what to tell the user (null when saving by hand reports itself).
 */
export async function saveNow(saveByHand: () => Promise<void>): Promise<string | null> {
  const left = flushDrafts();
  if (left > 0) return `Not saved yet: ${countOf(left, "field")} ${left === 1 ? "holds a value" : "hold values"} that cannot be stored; see the message under ${left === 1 ? "it" : "each"}.`;
  const { status } = useCollab.getState();
  if (status !== "live" && status !== "reconnecting") {
    if (useEditor.getState().unsaved.length === 0) return `Nothing to save: no changes since version ${useEditor.getState().version}.`;
    await saveByHand();
    return null;
  }
  switch (await whenAllSaved()) {
    case "saved":
      return `Saved: the server has every change (version ${useEditor.getState().version}).`;
    case "offline":
      return "Offline: your changes are kept here and sent when the connection is back.";
    case "timeout":
      return "Still saving: the server has not confirmed every change yet.";
    default:
      return "Live editing stopped; use the Save button.";
  }
}

// A local draft of unsaved work, so a reload, a crash or a conflict never loses what was typed.
interface Draft { version: number; doc: WorkflowDocument; unsaved: Operation[]; savedAt: string }
const key = (id: string) => `wfc.draft.${id}`;

export function writeDraft(id: string, version: number, doc: WorkflowDocument, unsaved: Operation[]): void {
  try {
    if (unsaved.length === 0) localStorage.removeItem(key(id));
    else localStorage.setItem(key(id), JSON.stringify({ version, doc, unsaved, savedAt: new Date().toISOString() } satisfies Draft));
  } catch {
    // Storage full or disabled: the editor still works, only the safety net is missing.
  }
}

export function readDraft(id: string): Draft | null {
  try {
    const raw = localStorage.getItem(key(id));
    return raw ? (JSON.parse(raw) as Draft) : null;
  } catch {
    return null;
  }
}

export function clearDraft(id: string): void {
  localStorage.removeItem(key(id));
}

"use client";
import Link from "next/link";
import { Undo2, Redo2, LayoutGrid, HelpCircle, Save, Users } from "lucide-react";
import { countIssues, type IssueMap } from "@/features/document/validation";
import { useEditor } from "@/features/document/store";
import { countOf } from "@/features/shared/format";
import { DeployControl } from "@/features/runs/DeployControl";
import { Avatars } from "@/features/collab/Presence";

interface Props {
  workflowId: string;
  issues: IssueMap;
  canEdit: boolean;
  /** May start runs and unpause a DAG paused in Airflow; sees the deploy control (deploying itself needs edit). */
  canExecute: boolean;
  liveMode: boolean;
  offline: boolean;
  pendingCount: number;
  saving: boolean;
  save: () => void;
  arrange: () => void;
  showHelp: () => void;
  share: () => void;
}

/** The workflow's name and state (version, live or saved, role, validity) and the editor's actions. */
export function EditorHeader({ workflowId, issues, canEdit, canExecute, liveMode, offline, pendingCount, saving, save, arrange, showHelp, share }: Props) {
  const name = useEditor((s) => s.doc?.metadata.name ?? "");
  const version = useEditor((s) => s.version);
  const role = useEditor((s) => s.role);
  const dirty = useEditor((s) => s.unsaved.length > 0);
  const canUndo = useEditor((s) => s.history.past.length > 0);
  const canRedo = useEditor((s) => s.history.future.length > 0);
  const undo = useEditor((s) => s.undo);
  const redo = useEditor((s) => s.redo);
  const total = countIssues(issues);

  return (
    <header className="editor-head">
      <Link href="/" aria-label="Back to workflows">←</Link>
      <h1 title={name}>{name}</h1>
      <span className="status hint" data-testid="save-status">
        v{version} · {liveMode ? "live" : dirty ? "unsaved changes" : "saved"} · {role}
      </span>
      <Avatars />
      <span className={`badge ${total ? "failed" : "success"}`} data-testid="validity" title={[...issues.general, ...issues.settings].map((i) => i.message).join("\n")}>
        {total ? countOf(total, "problem") : "valid"}
      </span>
      {!canEdit && <span className="badge" title="Ask the owner or a manager for the edit role to change it.">read-only</span>}
      <div className="spacer" />
      <button type="button" className="small" onClick={undo} disabled={!canEdit || !canUndo} aria-label="Undo" title="Undo (Ctrl+Z)"><Undo2 size={14} /></button>
      <button type="button" className="small" onClick={redo} disabled={!canEdit || !canRedo} aria-label="Redo" title="Redo (Ctrl+Shift+Z)"><Redo2 size={14} /></button>
      <button type="button" className="small" onClick={arrange} disabled={!canEdit} title="Arrange automatically (Shift+L)"><LayoutGrid size={14} /> Arrange</button>
      <button type="button" className="small" onClick={showHelp} title="Keyboard shortcuts (?)"><HelpCircle size={14} /> Shortcuts</button>
      <button type="button" className="small" onClick={share}><Users size={14} /> Share</button>
      <Link href={`/workflows/${workflowId}/runs`} className="small" title="Runs of this workflow: who started them, their state and results">Runs</Link>
      <Link href={`/workflows/${workflowId}/history`} className="small" title="Versions of this workflow: who changed what, compare and restore">History</Link>
      {canExecute && <DeployControl workflowId={workflowId} canDeploy={canEdit} canExecute={canExecute} dirty={dirty} live={liveMode} version={version} />}
      {liveMode && canEdit ? (
        <LiveSaveState offline={offline} pending={pendingCount} />
      ) : (
        <button type="button" className="primary" onClick={save} disabled={!canEdit || saving || !dirty} title={canEdit ? "Save (Ctrl+S)" : "Your role cannot change this workflow"}>
          <Save size={14} /> {saving ? "Saving…" : "Save"}
        </button>
      )}
    </header>
  );
}

/** In live editing there is nothing to save by hand: this says whether the server has every change. */
function LiveSaveState({ offline, pending }: { offline: boolean; pending: number }) {
  const [text, kind] = offline ? ["Offline: changes kept locally", "offline"] : pending > 0 ? ["Saving…", "busy"] : ["All changes saved", ""];
  return (
    <span className={`live-state ${kind}`} role="status" data-testid="live-state" title={offline ? "Your changes are sent when the connection is back." : "Changes are saved as you make them and shown to everyone here."}>
      {text}
    </span>
  );
}

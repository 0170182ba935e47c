"use client";
import type { ReactNode } from "react";
import { roleRank, type WorkflowTask } from "@/lib/api/types";
import { useEditor } from "@/features/document/store";
import type { IssueMap } from "@/features/document/validation";
import { ErrorMessage } from "@/features/shared/ErrorMessage";
import { RunPanel } from "@/features/runs/RunPanel";
import { ConfigPanel } from "../config/ConfigPanel";
import { SettingsPanel } from "../settings/SettingsPanel";

export type Tab = "step" | "settings" | "run";

/** One object for "no parameters", so the store selector answers the same value each time. */
const NO_PARAMS = {};

interface Props {
  workflowId: string;
  tab: Tab;
  setTab: (tab: Tab) => void;
  issues: IssueMap;
  selected: WorkflowTask | undefined;
  canEdit: boolean;
  liveMode: boolean;
  /** Messages above the tab's content (errors, notices, an offer to restore a draft); null when there are none. */
  messages: ReactNode;
  breakLock: (nodeId: string) => void;
  currentRun: { follow: (runId: string) => void; refresh: () => void };
  runError: unknown;
}

/** The details beside the canvas: the selected step, the workflow's settings, and running it. */
export function Sidebar({ workflowId, tab, setTab, issues, selected, canEdit, liveMode, messages, breakLock, currentRun, runError }: Props) {
  const role = useEditor((s) => s.role);
  const params = useEditor((s) => s.doc?.spec.params ?? NO_PARAMS);
  const dirty = useEditor((s) => s.unsaved.length > 0);
  const rank = roleRank[role] ?? 0;
  return (
    <aside className="sidebar" aria-label="Details">
      <div className="tabs" role="tablist">
        {(["step", "settings", "run"] as Tab[]).map((t) => (
          <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => setTab(t)}>
            {t === "step" ? "Step" : t === "settings" ? `Settings${issues.settings.length ? " ⚠" : ""}` : "Run"}
          </button>
        ))}
      </div>
      {messages && <div className="panel" style={{ paddingBottom: 0 }}>{messages}</div>}
      {issues.general.length > 0 && (
        <ul className="field-errors" style={{ margin: "8px 12px 0" }} aria-label="Workflow problems">
          {issues.general.map((i) => <li key={i.message}>{i.message}</li>)}
        </ul>
      )}
      {tab === "step" && (selected ? (
        <StepTab task={selected} issues={issues} canEdit={canEdit} onTakeOver={liveMode && rank >= roleRank.manage ? () => breakLock(selected.id) : undefined} />
      ) : (
        <NothingSelected issues={issues} />
      ))}
      {tab === "settings" && <SettingsPanel issues={issues.settings} readOnly={!canEdit} />}
      {/* Stays mounted on other tabs so the graph keeps showing the run's task states. */}
      <div hidden={tab !== "run"}>
        <RunPanel workflowId={workflowId} params={params} canExecute={rank >= roleRank.execute} dirty={dirty} onStarted={currentRun.follow} refresh={currentRun.refresh} />
        {runError !== null && <div className="panel"><ErrorMessage error={runError} doing="retry the task" /></div>}
      </div>
    </aside>
  );
}

function StepTab({ task, issues, canEdit, onTakeOver }: { task: WorkflowTask; issues: IssueMap; canEdit: boolean; onTakeOver: (() => void) | undefined }) {
  const type = useEditor((s) => s.catalog.get(task.type));
  const lockedBy = useEditor((s) => s.locks[task.id]?.displayName);
  return <ConfigPanel task={task} type={type} issues={issues.byNode[task.id] ?? []} readOnly={!canEdit} lockedBy={lockedBy} onTakeOver={onTakeOver} />;
}

/** With no single step selected: what to do, and the steps that need attention. */
function NothingSelected({ issues }: { issues: IssueMap }) {
  const selectedCount = useEditor((s) => s.selectedNodes.length);
  const select = useEditor((s) => s.select);
  return (
    <div className="panel">
      <p className="muted">
        {selectedCount > 1 ? `${selectedCount} steps selected. Press Delete to remove them or Ctrl+C to copy.` : "Select a step on the canvas to configure it."}
      </p>
      {Object.entries(issues.byNode).length > 0 && (
        <>
          <h3>Steps that need attention</h3>
          <ul>
            {Object.entries(issues.byNode).map(([id, list]) => (
              <li key={id}><button type="button" className="small ghost" onClick={() => select([id])}>{id}</button>: {list[0]?.message}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

"use client";
import { ChevronDown, ChevronUp } from "lucide-react";
import type { TaskType } from "@/lib/api/types";
import { LogPanel } from "@/features/runs/LogPanel";
import { RunResults } from "@/features/runs/RunResults";
import { RunOutputs } from "@/features/runs/RunOutputs";
import { FilesPanel } from "@/features/files/FilesPanel";
import { useEditor, type PanelTab } from "@/features/document/store";
import { DataPreview } from "../config/DataPreview";
import { usePanelResize } from "./resize";

const TABS: { id: PanelTab; label: string }[] = [
  { id: "preview", label: "Data preview" },
  { id: "results", label: "Task results" },
  { id: "outputs", label: "Outputs" },
  { id: "log", label: "Task log" },
  { id: "files", label: "Files" },
];

/** The wide panel under the canvas for what needs room: a step's data preview, the run's tasks and outputs, a task's log and output, the data folder. */
export function BottomPanel({ workflowId, selectedTask, selectedType, canExecute, canEdit, refreshRun, onError }: {
  workflowId: string;
  canEdit: boolean;
  selectedTask: string | null;
  selectedType: TaskType | undefined;
  canExecute: boolean;
  refreshRun: () => void;
  onError: (e: unknown) => void;
}) {
  const panel = useEditor((s) => s.panel);
  const openPanel = useEditor((s) => s.openPanel);
  const closePanel = useEditor((s) => s.closePanel);
  const logTask = useEditor((s) => s.logTask);
  const runId = useEditor((s) => s.run?.runId ?? null);
  const resize = usePanelResize();

  return (
    <section className={`bottom-panel${panel.open ? " open" : ""}`} aria-label="Results panel" style={panel.open ? { height: panel.height } : undefined}>
      {panel.open && (
        <div
          className="panel-resizer"
          role="separator"
          aria-orientation="horizontal"
          aria-label="Resize the results panel"
          aria-valuenow={panel.height}
          tabIndex={0}
          title="Drag, or use the arrow keys, to resize"
          {...resize}
        />
      )}
      <div className="panel-tabs" role="tablist" aria-label="Results">
        {TABS.map((t) => (
          <button key={t.id} type="button" role="tab" aria-selected={panel.open && panel.tab === t.id} onClick={() => openPanel(t.id)}>
            {t.label}
            {t.id === "log" && logTask ? `: ${logTask.taskId}` : ""}
          </button>
        ))}
        <span className="spacer" />
        <button
          type="button"
          className="small ghost"
          aria-expanded={panel.open}
          onClick={() => (panel.open ? closePanel() : openPanel(panel.tab))}
          aria-label={panel.open ? "Hide the results panel" : "Show the results panel"}
        >
          {panel.open ? <ChevronDown size={14} /> : <ChevronUp size={14} />}
        </button>
      </div>
      {panel.open && (
        <div className="panel-body" role="tabpanel">
          {panel.tab === "preview" && <DataPreview taskId={selectedTask} type={selectedType} />}
          {panel.tab === "results" && <RunResults workflowId={workflowId} canExecute={canExecute} refresh={refreshRun} onError={onError} />}
          {panel.tab === "outputs" && <RunOutputs workflowId={workflowId} onError={onError} />}
          {panel.tab === "files" && <FilesPanel workflowId={workflowId} canEdit={canEdit} onError={onError} />}
          {panel.tab === "log" &&
            (logTask && runId ? (
              <div className="log-and-output">
                <LogPanel workflowId={workflowId} runId={runId} taskId={logTask.taskId} tryNumber={logTask.tryNumber} />
                <RunOutputs workflowId={workflowId} stepId={logTask.taskId} onError={onError} />
              </div>
            ) : (
              <p className="muted">Click a step on the canvas, or Log in Task results, to read a task&apos;s log from the latest run.</p>
            ))}
        </div>
      )}
    </section>
  );
}

"use client";
import { Fragment, memo } from "react";
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { CheckCircle2, CircleDashed, Loader2, XCircle } from "lucide-react";
import { formatDuration } from "@/features/shared/format";
import { CategoryIcon } from "./icons";
import { nodeSummary } from "./summary";
import type { TaskNode } from "./types";

function RunIcon({ state }: { state: string | null }) {
  if (state === "success") return <CheckCircle2 size={13} color="var(--ok)" aria-hidden="true" />;
  if (state === "failed" || state === "upstream_failed") return <XCircle size={13} color="var(--danger)" aria-hidden="true" />;
  if (state === "running") return <Loader2 size={13} color="var(--run)" aria-hidden="true" />;
  return <CircleDashed size={13} aria-hidden="true" />;
}

function TaskNodeViewImpl({ data, selected }: NodeProps<TaskNode>) {
  const { task, taskType, issues, run, lockedBy, selectedBy, change } = data;
  const inputs = taskType?.inputs ?? [{ name: "data", title: "Input", many: false }];
  const producesData = !taskType || taskType.outputs.some((o) => o.kind !== "none");
  // Ports are named where it matters which upstream goes where (a join's left and right) or several may connect.
  const labelPorts = inputs.length > 1 || inputs.some((p) => p.many);
  const summary = nodeSummary(task, taskType);
  const classes = ["task-node", selected ? "selected" : "", issues?.length ? "invalid" : "", run ? `state-${run.state ?? "none"}` : "", selectedBy?.length ? "remote-selected" : "", change ? `change-${change}` : ""].join(" ");
  const others = selectedBy?.map((m) => m.displayName).join(", ");
  return (
    <div
      className={classes}
      data-testid={`node-${task.id}`}
      data-change={change}
      style={selectedBy?.[0] ? { outlineColor: selectedBy[0].colour } : undefined}
      aria-label={`Task ${task.id}${issues?.length ? `, ${issues.length} problem(s)` : ""}${others ? `, selected by ${others}` : ""}${change ? `, ${change}` : ""}`}
    >
      {change && <span className={`change-tag ${change}`} aria-hidden="true">{change}</span>}
      {selectedBy && selectedBy.length > 0 && (
        <div className="selected-by" aria-hidden="true">
          {selectedBy.map((m) => (
            <span key={m.connectionId} style={{ background: m.colour }} title={`${m.displayName} selected this step`}>{m.initials}</span>
          ))}
        </div>
      )}
      {inputs.length > 0 &&
        taskType?.inputs.length !== 0 &&
        inputs.map((port, i) => {
          const top = `${((i + 1) / (inputs.length + 1)) * 100}%`;
          return (
            <Fragment key={port.name}>
              <Handle type="target" id={taskType ? `in:${port.name}` : "in"} position={Position.Left} style={{ top }} title={port.title} />
              {labelPorts && (
                <span className="port-label" style={{ top }} data-testid={`port-${port.name}`}>
                  {port.title}
                </span>
              )}
            </Fragment>
          );
        })}
      <div className="head">
        <CategoryIcon category={taskType?.category} />
        <span className="title">{task.id}</span>
      </div>
      <div className="body">
        <div className="cat">{taskType?.title ?? task.type}</div>
        {summary && (
          <div className="summary" title={summary} data-testid="node-summary">
            {summary}
          </div>
        )}
        {issues && issues.length > 0 && (
          <div className="problem">
            ⚠ {issues[0]?.field ? `${issues[0].field}: ` : ""}
            {issues[0]?.message}
            {issues.length > 1 ? ` (+${issues.length - 1})` : ""}
          </div>
        )}
        {run && (
          <div className="run" title={run.taskId !== task.id ? `Ran together with other steps in Airflow task ${run.taskId}` : undefined}>
            <RunIcon state={run.state} />
            <span>{(run.state ?? "no status").replace("_", " ")}</span>
            {run.durationSeconds !== null && <span className="hint">{formatDuration(run.durationSeconds)}</span>}
          </div>
        )}
        {lockedBy && <div className="lock">✎ {lockedBy} is editing</div>}
      </div>
      {producesData && <Handle type="source" id="out" position={Position.Right} />}
    </div>
  );
}

// Drawn again only when what it shows changes: React Flow also passes position, size and z-index, which change
// for all 500 nodes while a workflow opens (measuring, fitting the view) without changing the node's look.
export const TaskNodeView = memo(TaskNodeViewImpl, (a, b) => a.data === b.data && a.selected === b.selected);

"use client";
import { useMemo } from "react";
import Form from "@rjsf/core";
import { useShallow } from "zustand/react/shallow";
import type { ErrorSchema, RJSFSchema, UiSchema } from "@rjsf/utils";
import type { TaskType, WorkflowTask } from "@/lib/api/types";
import { applyOrReason, useEditor } from "@/features/document/store";
import type { Operation } from "@/features/document/operations";
import { DraftField } from "../fields/DraftField";
import { DraftBaseInputTemplate, DraftTextareaWidget } from "./DraftWidgets";
import { parseStepId } from "./fields";
import type { Issue } from "@/features/document/validation";
import { formSchema, typedFormData } from "./formSchema";
import { formValidator } from "./schemaChecks";
import { PreviewButton } from "./DataPreview";
import { picksFor, useKnownColumns } from "@/features/document/pickers";
import { useFiles } from "@/features/files/store";

/** Operations that turn one config into another, one per changed top-level field (field-level merges for collaboration). */
export function configChanges(id: string, before: Record<string, unknown>, after: Record<string, unknown>): Operation[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys]
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => ({ kind: "updateConfig", id, path: [k], value: after[k] }));
}

const templates = { BaseInputTemplate: DraftBaseInputTemplate };
const widgets = { TextareaWidget: DraftTextareaWidget };

function uiSchemaFor(type: TaskType): UiSchema {
  const ui: UiSchema = { "ui:submitButtonOptions": { norender: true } };
  for (const [key, prop] of Object.entries(type.configSchema.properties ?? {})) {
    if (prop.type === "string" && (prop.maxLength ?? 0) > 200) ui[key] = { "ui:widget": "textarea" };
    if (Array.isArray(prop.examples) && prop.examples.length > 0) ui[key] = { ...(ui[key] as object), "ui:placeholder": String(prop.examples[0]) };
  }
  return ui;
}

/** Problems under the exact field they are about, nested as the form is ("conditions.0.value" under that value). */
export function errorSchemaOf(issues: Issue[]): ErrorSchema {
  const root: Record<string, unknown> = {};
  for (const i of issues) {
    if (!i.field || i.field === "dependsOn") continue;
    let node = root;
    for (const part of i.field.split(".")) node = (node[part] ??= {}) as Record<string, unknown>;
    ((node.__errors ??= []) as string[]).push(i.message);
  }
  return root as ErrorSchema;
}

/** Whether the step runs as an Airflow task of its own when the workflow runs steps together. */
function OwnTaskField({ task, disabled }: { task: WorkflowTask; disabled: boolean }) {
  const fused = useEditor((s) => s.doc?.spec.execution === "fused");
  return (
    <>
      <label className="inline">
        <input
          type="checkbox"
          checked={task.ownTask === true}
          disabled={disabled}
          onChange={(e) => applyOrReason({ kind: "updateNode", id: task.id, ownTask: e.target.checked })}
          aria-describedby={`own-task-${task.id}`}
        />
        Run as its own Airflow task
      </label>
      <span id={`own-task-${task.id}`} className="hint">
        {fused
          ? "Its own log, retry and time in Airflow, instead of running together with the steps around it."
          : "Every step runs as its own task while “Run steps together” is off in the workflow settings."}
      </span>
    </>
  );
}

export function ConfigPanel({ task, type, issues, readOnly, lockedBy, onTakeOver }: {
  task: WorkflowTask;
  type: TaskType | undefined;
  issues: Issue[];
  readOnly: boolean;
  /** Someone else editing this step right now (live editing); the form is read-only meanwhile. */
  lockedBy?: string;
  /** Offered to managers: break that person's lock and edit the step. */
  onTakeOver?: () => void;
}) {
  const apply = useEditor((s) => s.apply);
  const taskIds = useEditor(useShallow((s) => s.doc?.spec.tasks.map((t) => t.id) ?? []));
  const parseId = useMemo(() => parseStepId(taskIds, task.id), [taskIds, task.id]);
  const known = useKnownColumns((st) => st.columns);
  const files = useFiles((st) => st.files);
  const formContext = useMemo(() => {
    const paths = files.map((f) => f.path);
    // The form compares its context deeply but counts functions as equal: the files and columns themselves are in
    // it too, so a new upload or preview redraws the fields' picks.
    return { taskId: task.id, paths, known, picks: (id: string) => picksFor(task, id, known, paths) };
  }, [task, known, files]);
  const uiSchema = useMemo(() => (type ? uiSchemaFor(type) : {}), [type]);
  const shownSchema = useMemo(() => (type ? formSchema(type.configSchema) : null), [type]);
  const validator = useMemo(() => formValidator((shownSchema ?? {}) as RJSFSchema), [shownSchema]);
  // Problems found by the schema check (against the real schema) and by the server, inline under their field.
  const extraErrors = useMemo(() => errorSchemaOf(issues), [issues]);
  const general = issues.filter((i) => !i.field || i.field === "dependsOn");
  const editable = !readOnly && !lockedBy;

  return (
    <div className="panel" aria-label={`Configure ${task.id}`}>
      <h2>{type?.title ?? task.type}</h2>
      {type && <p className="muted">{type.description}</p>}
      {lockedBy && (
        <div className="warn-box" role="status" data-testid="locked-by">
          {lockedBy} is editing this step; you can edit it when they close it.
          {onTakeOver && !readOnly && (
            <button type="button" className="small" style={{ marginLeft: 8 }} onClick={onTakeOver} title={`Stop ${lockedBy}'s edit lock and edit this step yourself`}>
              Take over
            </button>
          )}
        </div>
      )}
      <DraftField
        // One field per step: a draft of one step's id must never show under another's. Keys differ from the
        // form's below: siblings sharing a key make React keep stale copies when the selected step changes.
        key={`id:${task.id}`}
        label="Step id"
        value={task.id}
        parse={parseId}
        commit={(newId) => applyOrReason({ kind: "updateNode", id: task.id, newId })}
        parkKey={`step:${task.id}:id`}
        hint="Lower-case letters, digits and _; shown in Airflow as the task id. Leave the field or press Enter to rename."
        inputProps={{ disabled: !editable }}
      />
      <OwnTaskField task={task} disabled={!editable} />
      {general.length > 0 && (
        <ul className="field-errors" aria-label="Problems with this step">
          {general.map((i) => <li key={i.message}>{i.message}</li>)}
        </ul>
      )}
      {type ? (
        <Form
          key={`form:${task.id}`}
          className="rjsf"
          schema={shownSchema as RJSFSchema}
          uiSchema={uiSchema}
          formData={task.config}
          validator={validator}
          templates={templates}
          widgets={widgets}
          formContext={formContext}
          extraErrors={extraErrors}
          showErrorList={false}
          disabled={!editable}
          noHtml5Validate
          // Show exactly what the document holds: no list items conjured up to reach minItems.
          experimental_defaultFormStateBehavior={{ arrayMinItems: { populate: "never" } }}
          onChange={(e) => {
            const next = typedFormData(type.configSchema, e.formData ?? {}) as Record<string, unknown>;
            const ops = configChanges(task.id, task.config, next);
            if (ops.length === 1) apply(ops[0] as Operation, `config:${task.id}:${(ops[0] as { path: string[] }).path[0]}`);
            else if (ops.length > 1) apply({ kind: "batch", ops });
          }}
        />
      ) : (
        <p className="error-box">This step&apos;s type “{task.type}” is not in the catalog. Delete it or pick another step.</p>
      )}
      <PreviewButton taskId={task.id} type={type} />
    </div>
  );
}

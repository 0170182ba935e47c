"use client";
import { useMemo, useState } from "react";
import type { ParamSpec, ParamType } from "@/lib/api/types";
import { applyOrReason, useEditor } from "@/features/document/store";
import { readSettings, type WorkflowSettings } from "@/features/document/operations";
import type { Issue } from "@/features/document/validation";
import { DraftField } from "../fields/DraftField";
import { formatInZone, SCHEDULE_PRESETS, useNextRuns, useTimeZones } from "./cron";
import {
  paramDefaultText,
  parseCron,
  parseDescription,
  parseName,
  parseParamDefault,
  parseParamDescription,
  parseTags,
  parseTimeZone,
  parseWholeNumber,
  tagsText,
} from "./fields";

const PARAM_TYPES: ParamType[] = ["string", "integer", "number", "boolean", "date"];
/** Valid drafts of settings reach the document (and the people editing with you) after this pause in typing. */
const PAUSE_MS = 1000;
const parseRetries = parseWholeNumber("Retries", 0, 10);
const parseRetryDelay = parseWholeNumber("The retry delay", 0, 86400);
const parseParallelRuns = parseWholeNumber("Parallel runs", 1, 100);

export function SchedulePreview({ schedule, timezone }: { schedule: string | null; timezone: string }) {
  const result = useNextRuns(schedule, timezone);
  if (!schedule) return <p className="hint">Runs only when someone starts it.</p>;
  if (!result) return null;
  if (!result.ok) return <p className="field-errors" role="alert">{result.error}</p>;
  if (result.runs.length === 0) return <p className="hint">Runs once, soon after it is deployed.</p>;
  return (
    <div aria-live="polite">
      <span className="hint">Next five runs ({timezone}):</span>
      <ol className="hint" data-testid="next-runs" style={{ margin: "4px 0", paddingLeft: 20 }}>
        {result.runs.map((d) => <li key={d.toISOString()}>{formatInZone(d, timezone)}</li>)}
      </ol>
    </div>
  );
}

/** Changes one setting; returns why it was refused, or null. */
function change<K extends keyof WorkflowSettings>(key: K, value: WorkflowSettings[K]): string | null {
  return applyOrReason({ kind: "updateSettings", changes: { [key]: value } }, `settings:${key}`);
}

/** Sets (or with undefined removes) one parameter in the parameters as they are now, not as they were when the field was drawn. */
function setParam(name: string, update: ((spec: ParamSpec) => ParamSpec) | undefined): string | null {
  const doc = useEditor.getState().doc;
  if (!doc) return null;
  const params = { ...doc.spec.params };
  const spec = params[name];
  if (update && spec) params[name] = update(spec);
  else delete params[name];
  return change("params", params);
}

export function SettingsPanel({ issues, readOnly }: { issues: Issue[]; readOnly: boolean }) {
  const doc = useEditor((s) => s.doc);
  const zones = useTimeZones();
  const parseZone = useMemo(() => parseTimeZone(zones), [zones]);
  const [newParam, setNewParam] = useState("");
  if (!doc) return null;
  const s = readSettings(doc);
  const errorsFor = (field: string) => issues.filter((i) => i.field === field);
  const fieldErrors = (field: string) =>
    errorsFor(field).length > 0 ? (
      <ul className="field-errors">{errorsFor(field).map((i) => <li key={i.message}>{i.message}</li>)}</ul>
    ) : null;
  const mode = s.schedule === null ? "manual" : SCHEDULE_PRESETS.some((p) => p.value === s.schedule) ? s.schedule : "cron";

  return (
    <fieldset className="panel" disabled={readOnly} style={{ border: "none" }}>
      <h2>Workflow settings</h2>
      <DraftField label="Name" value={s.name} parse={parseName} commit={(v) => change("name", v)} pauseMs={PAUSE_MS} parkKey="settings:name" inputProps={{ required: true }} />
      {fieldErrors("name")}
      <DraftField label="Description" multiline rows={3} value={s.description} parse={parseDescription} commit={(v) => change("description", v)} pauseMs={PAUSE_MS} parkKey="settings:description" />
      <DraftField
        label="Tags"
        value={tagsText(s.tags)}
        parse={parseTags}
        commit={(v) => change("tags", v)}
        parkKey="settings:tags"
        hint="Separate tags with commas."
        inputProps={{ placeholder: "sales, daily" }}
      />
      <label>
        Schedule
        <select
          value={mode}
          onChange={(e) => {
            const v = e.target.value;
            change("schedule", v === "manual" ? null : v === "cron" ? "0 6 * * *" : v);
          }}
        >
          <option value="manual">Manual only</option>
          {SCHEDULE_PRESETS.map((p) => <option key={p.value} value={p.value}>{p.label}</option>)}
          <option value="cron">Custom (cron)</option>
        </select>
      </label>
      {mode === "cron" && (
        <DraftField
          label="Cron expression"
          value={s.schedule ?? ""}
          parse={parseCron}
          commit={(v) => change("schedule", v)}
          pauseMs={PAUSE_MS}
          parkKey="settings:schedule"
          hint="minute hour day-of-month month day-of-week, e.g. “0 6 * * 1-5” = weekdays at 06:00."
        />
      )}
      {fieldErrors("schedule")}
      <DraftField label="Time zone" value={s.timezone} parse={parseZone} commit={(v) => change("timezone", v)} pauseMs={PAUSE_MS} parkKey="settings:timezone" inputProps={{ list: "tz-list" }} />
      <datalist id="tz-list">{(zones ?? []).map((z) => <option key={z} value={z} />)}</datalist>
      {fieldErrors("timezone")}
      <SchedulePreview schedule={s.schedule} timezone={s.timezone} />
      <label className="inline">
        <input type="checkbox" checked={s.catchup} onChange={(e) => change("catchup", e.target.checked)} />
        Catch up on missed runs
      </label>
      <label className="inline">
        <input type="checkbox" checked={s.execution === "fused"} onChange={(e) => change("execution", e.target.checked ? "fused" : "per-step")} aria-describedby="execution-help" />
        Run steps together (faster)
      </label>
      <span id="execution-help" className="hint">
        Connected steps run in one Airflow task and hand their data over in memory. Each step still shows its own state and log here; retrying a step runs its task again.
      </span>
      <div className="row" style={{ alignItems: "flex-start" }}>
        <div style={{ flex: 1 }}>
          <DraftField label="Retries" value={String(s.retries)} parse={parseRetries} commit={(v) => change("retries", v)} pauseMs={PAUSE_MS} parkKey="settings:retries" inputProps={{ type: "number", min: 0, max: 10 }} />
        </div>
        <div style={{ flex: 1 }}>
          <DraftField label="Retry delay (s)" value={String(s.retryDelaySeconds)} parse={parseRetryDelay} commit={(v) => change("retryDelaySeconds", v)} pauseMs={PAUSE_MS} parkKey="settings:retryDelaySeconds" inputProps={{ type: "number", min: 0 }} />
        </div>
        <div style={{ flex: 1 }}>
          <DraftField label="Parallel runs" value={String(s.maxActiveRuns)} parse={parseParallelRuns} commit={(v) => change("maxActiveRuns", v)} pauseMs={PAUSE_MS} parkKey="settings:maxActiveRuns" inputProps={{ type: "number", min: 1, max: 100 }} />
        </div>
      </div>
      {fieldErrors("retries")}
      <h3>Parameters</h3>
      <p className="hint">Values asked for when a run starts; use them in settings as {"{{ params.NAME }}"}.</p>
      {Object.entries(s.params).map(([name, spec]) => (
        <div key={name} className="stack" style={{ border: "1px solid var(--border)", borderRadius: 6, padding: 8 }}>
          <div className="row" style={{ justifyContent: "space-between" }}>
            <code>{name}</code>
            <button type="button" className="small danger" onClick={() => setParam(name, undefined)} aria-label={`Remove parameter ${name}`}>Remove</button>
          </div>
          <div className="row" style={{ alignItems: "flex-start" }}>
            <label style={{ flex: 1 }}>
              Type
              <select value={spec.type} onChange={(e) => setParam(name, (p) => ({ ...p, type: e.target.value as ParamType }))}>
                {PARAM_TYPES.map((t) => <option key={t}>{t}</option>)}
              </select>
            </label>
            <div style={{ flex: 2 }}>
              <DraftField
                label="Default"
                value={paramDefaultText(spec.default)}
                parse={parseParamDefault(spec.type)}
                commit={(v) => setParam(name, (p) => ({ ...p, default: v }))}
                pauseMs={PAUSE_MS}
                parkKey={`settings:param:${name}:default`}
              />
            </div>
          </div>
          <DraftField
            label="Description"
            value={spec.description ?? ""}
            parse={parseParamDescription}
            commit={(v) => setParam(name, (p) => ({ ...p, description: v }))}
            pauseMs={PAUSE_MS}
            parkKey={`settings:param:${name}:description`}
          />
        </div>
      ))}
      {fieldErrors("params")}
      <div className="row">
        <input aria-label="New parameter name" placeholder="region" value={newParam} onChange={(e) => setNewParam(e.target.value)} style={{ flex: 1 }} />
        <button
          type="button"
          disabled={!/^[a-z][a-z0-9_]{0,63}$/.test(newParam) || newParam in s.params}
          title="Lower-case letters, digits and _, starting with a letter"
          onClick={() => {
            change("params", { ...s.params, [newParam]: { type: "string", default: "", description: "" } });
            setNewParam("");
          }}
        >
          Add parameter
        </button>
      </div>
    </fieldset>
  );
}

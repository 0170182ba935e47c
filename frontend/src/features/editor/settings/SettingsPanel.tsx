"use client";
import { useState } from "react";
import type { ParamSpec, ParamType } from "@/lib/api/types";
import { useEditor } from "../store";
import { readSettings, type WorkflowSettings } from "../document/operations";
import type { Issue } from "../document/validation";
import { formatInZone, SCHEDULE_PRESETS, useNextRuns, useTimeZones } from "./cron";

const PARAM_TYPES: ParamType[] = ["string", "integer", "number", "boolean", "date"];

export function SchedulePreview({ schedule, timezone }: { schedule: string | null; timezone: string }) {
  const result = useNextRuns(schedule, timezone);
  if (!schedule) return <p className="hint">Runs only when someone starts it.</p>;
  if (!result) return null;
  if (!result.ok) return <p className="field-errors" role="alert">{result.error}</p>;
  return (
    <div aria-live="polite">
      <span className="hint">Next five runs ({timezone}):</span>
      <ol className="hint" data-testid="next-runs" style={{ margin: "4px 0", paddingLeft: 20 }}>
        {result.runs.map((d) => <li key={d.toISOString()}>{formatInZone(d, timezone)}</li>)}
      </ol>
    </div>
  );
}

export function SettingsPanel({ issues, readOnly }: { issues: Issue[]; readOnly: boolean }) {
  const doc = useEditor((s) => s.doc);
  const apply = useEditor((s) => s.apply);
  const zones = useTimeZones();
  const [newParam, setNewParam] = useState("");
  if (!doc) return null;
  const s = readSettings(doc);
  const change = <K extends keyof WorkflowSettings>(key: K, value: WorkflowSettings[K]) => apply({ kind: "updateSettings", changes: { [key]: value } }, `settings:${key}`);
  const errorsFor = (field: string) => issues.filter((i) => i.field === field);
  const fieldErrors = (field: string) =>
    errorsFor(field).length > 0 ? (
      <ul className="field-errors">{errorsFor(field).map((i) => <li key={i.message}>{i.message}</li>)}</ul>
    ) : null;
  const mode = s.schedule === null ? "manual" : SCHEDULE_PRESETS.some((p) => p.value === s.schedule) ? s.schedule : "cron";
  const setParam = (name: string, spec: ParamSpec | undefined) => {
    const params = { ...s.params };
    if (spec) params[name] = spec;
    else delete params[name];
    change("params", params);
  };

  return (
    <fieldset className="panel" disabled={readOnly} style={{ border: "none" }}>
      <h2>Workflow settings</h2>
      <label>
        Name
        <input value={s.name} onChange={(e) => change("name", e.target.value)} required />
        {fieldErrors("name")}
      </label>
      <label>
        Description
        <textarea rows={3} value={s.description} onChange={(e) => change("description", e.target.value)} />
      </label>
      <label>
        Tags
        <input
          defaultValue={s.tags.join(", ")}
          key={s.tags.join(",")}
          onBlur={(e) => change("tags", e.target.value.split(",").map((t) => t.trim()).filter(Boolean))}
          placeholder="sales, daily"
        />
        <span className="hint">Separate tags with commas.</span>
      </label>
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
        <label>
          Cron expression
          <input value={s.schedule ?? ""} onChange={(e) => change("schedule", e.target.value)} aria-describedby="cron-help" />
          <span id="cron-help" className="hint">minute hour day-of-month month day-of-week, e.g. “0 6 * * 1-5” = weekdays at 06:00.</span>
        </label>
      )}
      {fieldErrors("schedule")}
      <label>
        Time zone
        <input list="tz-list" value={s.timezone} onChange={(e) => change("timezone", e.target.value)} />
        <datalist id="tz-list">{zones.map((z) => <option key={z} value={z} />)}</datalist>
        {fieldErrors("timezone")}
      </label>
      <SchedulePreview schedule={s.schedule} timezone={s.timezone} />
      <label className="inline">
        <input type="checkbox" checked={s.catchup} onChange={(e) => change("catchup", e.target.checked)} />
        Catch up on missed runs
      </label>
      <div className="row">
        <label style={{ flex: 1 }}>
          Retries
          <input type="number" min={0} max={10} value={s.retries} onChange={(e) => change("retries", Number(e.target.value))} />
        </label>
        <label style={{ flex: 1 }}>
          Retry delay (s)
          <input type="number" min={0} value={s.retryDelaySeconds} onChange={(e) => change("retryDelaySeconds", Number(e.target.value))} />
        </label>
        <label style={{ flex: 1 }}>
          Parallel runs
          <input type="number" min={1} max={16} value={s.maxActiveRuns} onChange={(e) => change("maxActiveRuns", Number(e.target.value))} />
        </label>
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
          <div className="row">
            <label style={{ flex: 1 }}>
              Type
              <select value={spec.type} onChange={(e) => setParam(name, { ...spec, type: e.target.value as ParamType })}>
                {PARAM_TYPES.map((t) => <option key={t}>{t}</option>)}
              </select>
            </label>
            <label style={{ flex: 2 }}>
              Default
              <input value={spec.default === undefined ? "" : String(spec.default)} onChange={(e) => setParam(name, { ...spec, default: coerceParam(spec.type, e.target.value) })} />
            </label>
          </div>
          <label>
            Description
            <input value={spec.description ?? ""} onChange={(e) => setParam(name, { ...spec, description: e.target.value })} />
          </label>
        </div>
      ))}
      {fieldErrors("params")}
      <div className="row">
        <input aria-label="New parameter name" placeholder="region" value={newParam} onChange={(e) => setNewParam(e.target.value)} style={{ flex: 1 }} />
        <button
          type="button"
          disabled={!/^[A-Za-z_][A-Za-z0-9_]*$/.test(newParam) || newParam in s.params}
          onClick={() => {
            setParam(newParam, { type: "string", default: "", description: "" });
            setNewParam("");
          }}
        >
          Add parameter
        </button>
      </div>
    </fieldset>
  );
}

export function coerceParam(type: ParamType, raw: string): unknown {
  if (raw === "") return undefined;
  if (type === "integer") return Number.isInteger(Number(raw)) ? Number(raw) : raw;
  if (type === "number") return Number.isFinite(Number(raw)) ? Number(raw) : raw;
  if (type === "boolean") return raw === "true" ? true : raw === "false" ? false : raw;
  return raw;
}

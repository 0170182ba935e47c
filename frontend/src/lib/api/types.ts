// Types of the WorkflowControl HTTP API. `npm run gen:api` generates schema.d.ts from the committed
// docs/openapi.json; wire shapes that are precise enough are taken from it as they are, the rest are
// narrowed here (e.g. the document instead of an untyped JSON element) and checked against it at
// compile time, so a contract change breaks type-check. Everything else imports API types from here only.
import type { components } from "./schema";

type Wire = components["schemas"];
/** Fails to compile when Ours names a property the wire type does not have. */
type OnlyWireKeys<Ours, Theirs> = Exclude<keyof Ours, keyof Theirs> extends never ? true : never;

export type Role = "view" | "execute" | "edit" | "manage" | "owner";
export const roleRank: Record<Role, number> = { view: 1, execute: 2, edit: 3, manage: 4, owner: 5 };

export interface User { id: string; email: string; displayName: string }
export interface AuthResponse { token: string; expiresAt: string; user: User }
export interface AuthConfig { mode: "local" | "supabase"; supabaseUrl?: string | null; supabaseAnonKey?: string | null }

export type PortKind = "table" | "file" | "model" | "report" | "none";
export type TaskCategory = "extract" | "transform" | "load" | "analyze" | "utility";

/** A JSON Schema object as the catalog uses it (draft-07 / 2020-12 common subset). */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  examples?: unknown[];
  [key: string]: unknown;
}

export interface TaskType {
  id: string;
  category: TaskCategory | string;
  title: string;
  description: string;
  icon: string;
  inputs: { name: string; title: string; many: boolean }[];
  outputs: { name: string; kind: PortKind }[];
  preview: boolean;
  configSchema: JsonSchema;
}

export type ParamType = "string" | "integer" | "number" | "boolean" | "date";
export interface ParamSpec { type: ParamType; default?: unknown; description?: string }

/** ownTask: with fused execution, the step runs as an Airflow task of its own instead of joining its neighbours. */
export interface WorkflowTask { id: string; type: string; config: Record<string, unknown>; dependsOn: string[]; ownTask?: boolean }

/** fused: connected steps run together in one Airflow task; per-step (or absent, workflows made before): one task each. */
export type ExecutionMode = "fused" | "per-step";

export interface WorkflowDocument {
  apiVersion: "workflowcontrol.io/v1";
  kind: "Workflow";
  metadata: { name: string; key?: string; description?: string; tags: string[] };
  spec: {
    schedule: string | null;
    timezone: string;
    catchup: boolean;
    maxActiveRuns: number;
    execution?: ExecutionMode;
    params: Record<string, ParamSpec>;
    defaults: { retries: number; retryDelaySeconds: number };
    tasks: WorkflowTask[];
  };
  layout: { nodes: Record<string, { x: number; y: number }> };
}

export interface ValidationProblem { pointer: string; message: string }
export interface ValidationResult { valid: boolean; problems: ValidationProblem[] }

export type DeploymentState = "written" | "parsed" | "import_error" | "superseded";
export type RunState = "pending" | "queued" | "running" | "success" | "failed" | "upstream_failed" | "skipped" | "cancelled" | string;

export interface WorkflowSummary {
  id: string; key: string; name: string; description: string; tags: string[];
  ownerId: string; ownerName: string; role: Role; version: number; updatedAt: string;
  lastRun: { state: RunState; startedAt: string } | null;
  nextRunAt: string | null;
  deploymentState: DeploymentState | null;
}
export interface Page<T> { items: T[]; total: number; page: number; pageSize: number }

export interface WorkflowDetail {
  id: string; version: number; role: Role; ownerId: string; ownerName: string;
  createdAt: string; updatedAt: string; document: WorkflowDocument;
}

export interface VersionInfo { version: number; createdAt: string; createdBy: string; contentHash: string }
export interface DiffChange { pointer: string; kind: "added" | "removed" | "changed"; before?: unknown; after?: unknown }

export interface Collaborator { userId: string; email: string; displayName: string; role: Role }

export type ApiTokenInfo = Wire["TokenInfo"];
export type CreatedApiToken = Wire["CreatedToken"];
export interface VersionDeployment { id: string; version: number; state: DeploymentState; active: boolean; createdAt: string; createdByName: string }
/**
 * A version: the state after one burst of edits. `version` is its last stored revision (what deployments pin and
 * restores read); `cut` says what ended it ("editing" while it is still open).
 */
export interface VersionSummary {
  version: number; name: string | null; firstRevision: number; edits: number;
  cut: "pause" | "named" | "deployed" | "restored" | "restore" | "editing";
  restoredFrom: number | null; startedAt: string; createdAt: string; createdBy: string;
  author: string; authors: string[]; contentHash: string;
  changes: { stepsAdded: number; stepsRemoved: number; stepsChanged: number; otherChanges: number };
  deployments: VersionDeployment[];
}
export const versionSummaryMatchesWire: OnlyWireKeys<VersionSummary, Wire["VersionSummary"]> = true;
export interface VersionDetail { version: number; createdAt: string; createdBy: string; contentHash: string; document: WorkflowDocument }
export interface RenderedFile { version: number; path: string; contentHash: string; content: string }

/** A wire type whose `state` (a string in the document) is narrowed to the states we name. */
type WithState<T, S> = Omit<T, "state"> & { state: S };

/** `pausedInAirflow`: what Airflow last said about the DAG's pause switch; null until asked. A paused DAG runs nothing. */
export type Deployment = WithState<Wire["Deployment"], DeploymentState>;
/** A task's state is null until Airflow's scheduler has looked at the task. */
export type TaskRun = WithState<Wire["TaskRunState"], RunState | null>;
/** `message`: why a pending run waits, why a run failed before Airflow had it, or that Airflow is away and this is the last state seen. */
export type RunSummary = WithState<Wire["RunSummaryItem"], RunState>;
/** GET /workflows/{id}/runs: one page of runs, newest first, including runs Airflow's scheduler started. */
export type RunPage = Omit<Wire["RunPage"], "items"> & { items: RunSummary[] };
/**
 * One step of a run (GET .../runs/{runId} `steps`): the step's state and the Airflow task it ran in, its own id or,
 * with fused execution, its group's (`first__to__last`). Rows, columns and error come from a fused group's record.
 */
export type StepRun = WithState<Wire["StepRunState"], RunState | null>;
export type RunDetail = Omit<WithState<Wire["RunDetail"], RunState>, "tasks" | "steps" | "params"> & {
  tasks: TaskRun[]; steps: StepRun[]; params: Record<string, unknown> | null;
};
/** A chunk of a task's log; taskId is the Airflow task whose log it is (a fused step's is its group's). */
export type LogChunk = Wire["TaskLog"];

/** A data preview: the first rows a step produces on a sample, and the column types the task library sees. */
export interface PreviewColumn { name: string; type: "integer" | "number" | "boolean" | "date" | "timestamp" | "string" | string; timezone?: string | null }
export interface PreviewResult { rows: Record<string, unknown>[]; schema: PreviewColumn[] }

/** RFC 9457 problem details, with the extensions the API adds. */
export interface ProblemDetails {
  type?: string; title?: string; status?: number; detail?: string; instance?: string;
  errors?: Record<string, string[]>;
  /** An invalid workflow's problems, each with its JSON pointer (create, import, update and validate alike). */
  problems?: ValidationProblem[];
  currentVersion?: number;
  current?: WorkflowDetail;
  [key: string]: unknown;
}

// Compile-time drift checks between the hand-narrowed types above and the generated wire types.
export const contractChecks: [
  OnlyWireKeys<WorkflowSummary, Wire["WorkflowSummary"]>,
  OnlyWireKeys<WorkflowDetail, Wire["WorkflowDetail"]>,
  OnlyWireKeys<WorkflowDocument, Wire["WorkflowDocument"]>,
  OnlyWireKeys<WorkflowDocument["metadata"], Wire["WorkflowMetadata"]>,
  OnlyWireKeys<WorkflowDocument["spec"], Wire["WorkflowSpec"]>,
  OnlyWireKeys<WorkflowTask, Wire["WorkflowTask"]>,
  OnlyWireKeys<TaskType, Wire["TaskType"]>,
  OnlyWireKeys<AuthResponse, Wire["SessionResponse"]>,
  OnlyWireKeys<User, Wire["UserInfo"]>,
  OnlyWireKeys<AuthConfig, Wire["AuthConfigResponse"]>,
  OnlyWireKeys<Collaborator, Wire["Collaborator"]>,
  OnlyWireKeys<ValidationResult, Wire["ValidationReport"]>,
  OnlyWireKeys<DiffChange, Wire["WorkflowChange"]>,
  OnlyWireKeys<PreviewResult, Wire["PreviewResult"]>,
  OnlyWireKeys<PreviewColumn, Wire["PreviewColumn"]>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true];

/** A file in a data folder (the owner's, which CSV steps read and exports write); path relative, with '/'. */
export interface DataFile { path: string; bytes: number; modifiedAt: string }
/** A file a step of a run produced: in the run's folder ("run") or exported into the data folder ("files"). */
export interface ResultFile { name: string; bytes: number; kind: "table" | "image" | "report" | "data" | "model" | "other" | string; location: "run" | "files" | string }
export interface StepResult { stepId: string; state: string | null; rows: number | null; columns: number | null; columnNames: string[] | null; files: ResultFile[] }
export interface RunResults { runId: string; steps: StepResult[] }

// One line on each node that says what the step is set to do (`amount gt 0`, `inner on customer_id`), so two
// steps of one kind can be told apart on the canvas. One pure function per task type, a generic one for the rest.
import type { JsonSchema, TaskType, WorkflowTask } from "@/lib/api/types";

type Config = Record<string, unknown>;
type Summarize = (config: Config) => string | null;

const MAX = 60;

const text = (v: unknown): string => (typeof v === "string" ? v.trim() : "");
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => (typeof x === "string" ? x.trim() : String(x))).filter(Boolean) : []);
/** Parts joined with spaces, leaving out the empty ones; null when nothing is set. */
const words = (...parts: (string | null | undefined | false)[]) => parts.filter(Boolean).join(" ") || null;
const names = (v: unknown, max = 3) => {
  const all = list(v);
  return all.length > max ? `${all.slice(0, max).join(", ")} +${all.length - max}` : all.join(", ");
};

function scalar(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(scalar).join(", ")}]`;
  if (v === null || v === undefined) return "";
  if (typeof v === "object") return "{…}";
  return String(v);
}

const condition = (c: unknown): string | null => {
  if (!c || typeof c !== "object") return null;
  const { column, operator, value } = c as Config;
  const op = text(operator) || "eq";
  return words(text(column) || "?", op, op === "is_null" || op === "not_null" ? null : scalar(value));
};

function conditions(v: unknown, combine: unknown): string | null {
  const parts = (Array.isArray(v) ? v : []).map(condition).filter((c): c is string => c !== null);
  if (parts.length === 0) return null;
  const joined = parts.slice(0, 2).join(` ${text(combine) || "and"} `);
  return parts.length > 2 ? `${joined} (+${parts.length - 2})` : joined;
}

const table = (c: Config) => (text(c.table) ? `${text(c.schema) || "public"}.${text(c.table)}` : null);

const byType: Record<string, Summarize> = {
  "extract.csv": (c) => text(c.source) || null,
  "extract.database": (c) => text(c.query).replace(/\s+/g, " ") || null,
  "extract.ftp": (c) => (text(c.host) ? `${text(c.protocol) || "sftp"}://${text(c.host)}${text(c.directory) || "/"}${text(c.pattern)}` : null),
  "extract.rest": (c) => (text(c.url) ? words(text(c.method) || "GET", text(c.url)) : null),
  "extract.web": (c) => text(c.url) || null,
  "transform.filter": (c) => {
    const kept = conditions(c.conditions, c.combine);
    return kept && c.keep === "non_matching" ? `not (${kept})` : kept;
  },
  "transform.join": (c) => {
    const left = names(c.left_keys);
    if (!left) return null;
    const right = names(c.right_keys);
    return words(text(c.how) || "inner", "on", right && right !== left ? `${left} = ${right}` : left);
  },
  "transform.clean": (c) => {
    const steps = [
      c.trim !== false && "trim",
      text(c.case) && c.case !== "none" && `${text(c.case)} case`,
      c.null_action === "drop" && "drop empty rows",
      c.null_action === "fill" && "fill empty",
      c.deduplicate === true && "deduplicate",
      list(c.drop_columns).length > 0 && `drop ${names(c.drop_columns, 2)}`,
      c.rename && typeof c.rename === "object" && Object.keys(c.rename).length > 0 && "rename",
    ].filter((s): s is string => typeof s === "string");
    return steps.join(", ") || null;
  },
  "transform.pivot": (c) =>
    c.mode === "unpivot"
      ? words("unpivot", names(c.value_columns) || "columns", list(c.id_columns).length > 0 && `keeping ${names(c.id_columns, 2)}`)
      : words("pivot", text(c.columns) || "?", list(c.index).length > 0 && `by ${names(c.index, 2)}`, list(c.values).length > 0 && `(${text(c.aggregation) || "sum"} of ${names(c.values, 2)})`),
  "transform.harmonize": (c) => {
    const columns = Array.isArray(c.target_columns) ? c.target_columns.length : 0;
    const sources = Array.isArray(c.sources) ? c.sources.length : 0;
    return columns || sources ? `${columns} column${columns === 1 ? "" : "s"} from ${sources} source${sources === 1 ? "" : "s"}` : null;
  },
  "load.file": (c) => text(c.path) || null,
  "load.postgres": (c) => words(table(c), text(c.mode) && `(${text(c.mode)})`),
  "load.batch": (c) => words(table(c), text(c.mode) && `(${text(c.mode)})`),
  "load.incremental": (c) => words(table(c), text(c.watermark_column) && `after ${text(c.watermark_column)}`),
  "analyze.chart": (c) => words(text(c.kind) || "bar", "of", names(c.y, 2) || text(c.x) || "?", list(c.y).length > 0 && text(c.x) && `by ${text(c.x)}`),
  "analyze.describe": (c) => words(names(c.columns) || "all columns", list(c.group_by).length > 0 && `by ${names(c.group_by, 2)}`),
  "analyze.ml": (c) => (text(c.target) ? words(text(c.model).replace(/_/g, " ") || "model", "predicting", text(c.target)) : null),
  "analyze.report": (c) => text(c.title) || null,
  "utility.cohort": (c) => names((Array.isArray(c.cohorts) ? c.cohorts : []).map((x) => (x && typeof x === "object" ? (x as Config).name : null))) || null,
  "utility.notify": (c) => words(text(c.channel) || "email", list(c.to).length > 0 && `to ${names(c.to, 2)}`),
};

/** Any other type: its required settings first, then the ones changed from their defaults, as `name value`. */
export function genericSummary(config: Config, schema: JsonSchema | undefined): string | null {
  const properties = schema?.properties ?? {};
  const required = new Set(schema?.required ?? []);
  const keys = Object.keys(config)
    .filter((k) => scalar(config[k]) !== "" && JSON.stringify(config[k]) !== JSON.stringify(properties[k]?.default))
    .sort((a, b) => Number(required.has(b)) - Number(required.has(a)));
  return keys.slice(0, 2).map((k) => `${k} ${scalar(config[k])}`).join(", ") || null;
}

/** The node's one-line summary, at most about 60 characters; null when nothing is set yet. */
export function nodeSummary(task: Pick<WorkflowTask, "type" | "config">, type: TaskType | undefined): string | null {
  const specific = byType[task.type];
  const line = specific ? specific(task.config) : genericSummary(task.config, type?.configSchema);
  if (!line) return null;
  return line.length > MAX ? `${line.slice(0, MAX - 1)}…` : line;
}

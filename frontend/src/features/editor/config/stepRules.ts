// What the task library would refuse at run time but a JSON Schema cannot say, in the words shown under the field.
// The API runs the same rules (StepRules.cs); tests/fixtures/step-rules.json holds the cases both must agree on.

export interface StepRuleProblem { field: string; message: string }

const OPERATOR_LABELS: Record<string, string> = {
  eq: "equals", ne: "does not equal", lt: "is less than", le: "is at most", gt: "is greater than", ge: "is at least",
  in: "is one of", not_in: "is not one of", contains: "contains", starts_with: "starts with", ends_with: "ends with",
};
const ORDERING = new Set(["lt", "le", "gt", "ge"]);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Why a path is not a path inside the user's data folder (the task library's paths.confined), or null. */
export function pathProblem(relative: string | null | undefined): string | null {
  if (!relative || relative.includes("\u0000")) return "Give a path inside your data folder, for example sales/2024.csv.";
  const slashed = relative.replace(/\\/g, "/");
  if (slashed.startsWith("/") || /^[A-Za-z]:/.test(relative)) {
    return "Give a path inside your data folder, for example sales/2024.csv, not a path from the root of the disk.";
  }
  return slashed.split("/").includes("..")
    ? 'A path may not go up a folder with ".."; give a path inside your data folder, for example sales/2024.csv.'
    : null;
}

const text = (o: Record<string, unknown>, k: string) => (typeof o[k] === "string" ? (o[k] as string) : null);
const count = (o: Record<string, unknown>, k: string) => (Array.isArray(o[k]) ? (o[k] as unknown[]).length : 0);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Numbers and ISO dates compare as the task library reads them; a macro ({{ params.min }}) is known only at run time. */
const isNumberOrDate = (s: string) => s.includes("{{") || NUMBER.test(s.trim()) || DATE.test(s.trim());

function valueProblem(condition: unknown): string | null {
  if (!isObject(condition)) return null;
  const op = text(condition, "operator") ?? "eq";
  const label = OPERATOR_LABELS[op];
  if (!label) return null; // is_null, not_null take no value; an unknown operator is the schema's to report
  const value = condition.value;
  const hasValue = value !== undefined && value !== null && value !== "";
  if (op === "in" || op === "not_in") return hasValue && !(Array.isArray(value) && value.length === 0) ? null : `"${label}" needs at least one value.`;
  if (!ORDERING.has(op)) return hasValue ? null : `"${label}" needs a value to compare with.`;
  if (!hasValue) return `"${label}" needs a number or a date (YYYY-MM-DD) to compare with.`;
  if (typeof value === "number") return null;
  if (typeof value === "string") return isNumberOrDate(value) ? null : `"${label}" needs a number or a date (YYYY-MM-DD); "${value}" is neither.`;
  return `"${label}" needs a number or a date (YYYY-MM-DD).`;
}

/** The problems of one step's config; field paths are dotted ("conditions.0.value"). */
export function stepRuleProblems(type: string, config: unknown): StepRuleProblem[] {
  if (!isObject(config)) return [];
  const problems: StepRuleProblem[] = [];
  switch (type) {
    case "extract.csv": {
      const source = text(config, "source");
      const problem = source !== null && !/^https?:\/\//i.test(source) ? pathProblem(source) : null;
      if (problem) problems.push({ field: "source", message: problem });
      break;
    }
    case "load.file": {
      const path = text(config, "path");
      const problem = path !== null ? pathProblem(path) : null;
      if (problem) problems.push({ field: "path", message: problem });
      break;
    }
    case "transform.filter":
      if (Array.isArray(config.conditions)) {
        config.conditions.forEach((c, i) => {
          const problem = valueProblem(c);
          if (problem) problems.push({ field: `conditions.${i}.value`, message: problem });
        });
      }
      break;
    case "transform.join": {
      const left = count(config, "left_keys");
      const right = count(config, "right_keys");
      if (left > 0 && right > 0 && left !== right) {
        problems.push({ field: "right_keys", message: `Give as many right keys as left keys (${left}), or none to use the same names.` });
      }
      break;
    }
    case "analyze.chart": {
      const kind = text(config, "kind") ?? "bar";
      if (["bar", "line", "scatter"].includes(kind) && !(text(config, "x") ?? "").trim()) problems.push({ field: "x", message: `A ${kind} chart needs a column for the X axis.` });
      if (count(config, "y") === 0) problems.push({ field: "y", message: `A ${kind} chart needs at least one column of values.` });
      break;
    }
  }
  return problems;
}

// The schedule grammar a save accepts, checked while a schedule is typed so a half-typed one never reaches the
// document: a port of Schedules.Problem and CronSchedule.Parse (backend/WorkflowControl.Core/Workflows) with their
// messages, and nothing more. The server has the last word: it checks again on every save, and it alone computes
// the next runs (useNextRuns). Change both together; schedule.test.ts holds the server's SchedulesTests cases.

/** Airflow presets accepted by both 2.10 and 3.x (Schedules.Presets, in its order). */
export const SCHEDULE_PRESET_NAMES = ["@once", "@hourly", "@daily", "@weekly", "@monthly", "@quarterly", "@yearly", "@annually"];

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const DAYS_IN_MONTH = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

interface Field {
  name: string;
  min: number;
  max: number;
  names: string[] | null;
}

const FIELDS: Field[] = [
  { name: "minute", min: 0, max: 59, names: null },
  { name: "hour", min: 0, max: 23, names: null },
  { name: "day-of-month", min: 1, max: 31, names: null },
  { name: "month", min: 1, max: 12, names: MONTHS },
  { name: "day-of-week", min: 0, max: 7, names: WEEKDAYS },
];

/** WorkflowValidator.Shorten: long values are cut in messages. */
const shorten = (value: string) => (value.length <= 80 ? value : `${value.slice(0, 77)}...`);

/** null when the API accepts the schedule (null = manual runs only), otherwise why not, in the API's words. */
export function scheduleProblem(schedule: string | null): string | null {
  if (schedule === null) return null;
  if (schedule.startsWith("@")) {
    return SCHEDULE_PRESET_NAMES.includes(schedule)
      ? null
      : `Unknown schedule preset '${shorten(schedule)}'. Use one of ${SCHEDULE_PRESET_NAMES.join(", ")}, a five-field cron expression, or null for manual runs.`;
  }
  const problem = cronProblem(schedule);
  return problem ? `The schedule '${shorten(schedule)}' is not accepted: ${problem}` : null;
}

/**
 * null when `name` is one of the API's time zones (`zones`, from GET /schedules/timezones), otherwise why not. While
 * the list is on its way, a name shaped like one ("UTC" or Area/Location) passes; the save checks it again, and
 * names the canonical zone of an old alias, which this list alone cannot tell.
 */
export function timeZoneProblem(name: string, zones: readonly string[] | null): string | null {
  const known = zones ? zones.includes(name) : name === "UTC" || /^[A-Za-z]+(\/[A-Za-z0-9_+-]+)+$/.test(name);
  return known ? null : `Unknown time zone '${shorten(name)}'. Use a canonical IANA name such as 'UTC' or 'Europe/Berlin'.`;
}

function cronProblem(expression: string): string | null {
  if (/[\t\n\r]/.test(expression)) return "Separate the five fields with spaces only.";
  const parts = expression.split(" ").filter(Boolean);
  if (parts.length === 6 || parts.length === 7) {
    return `It has ${parts.length} fields; Airflow's schedules have five (minute hour day-of-month month day-of-week), without seconds or years.`;
  }
  if (parts.length !== 5) return "It is not a five-field cron expression (minute hour day-of-month month day-of-week).";
  const allowed: boolean[][] = [];
  for (const [i, field] of FIELDS.entries()) {
    const part = parts[i] ?? "";
    const parsed = parseField(field, part);
    if (typeof parsed === "string") return `The ${field.name} field '${part}': ${parsed}`;
    allowed.push(parsed);
  }
  const [, , dayOfMonth = [], month = [], dayOfWeek = []] = allowed;
  return neverFires(dayOfMonth, month, dayOfWeek) ? "It never fires: no month it names has the day of the month it names." : null;
}

/** With the weekday unrestricted, a run needs a named day that exists in a named month (29 February counts). */
function neverFires(dayOfMonth: boolean[], month: boolean[], dayOfWeek: boolean[]): boolean {
  if (dayOfWeek.some((a) => !a)) return false; // alone, or either-or with the day of month: some weekday always comes
  return !DAYS_IN_MONTH.some((days, m) => month[m] && dayOfMonth.slice(1, days + 1).some(Boolean));
}

const isWeekday = (f: Field) => f.names?.length === 7;

/** Allowed values indexed by value (day of week 7 folds into 0, Sunday), or why the field is refused. */
function parseField(field: Field, text: string): boolean[] | string {
  const values = new Array<boolean>(field.max + 1).fill(false);
  for (const item of text.split(",")) {
    const problem = parseItem(field, item, values);
    if (problem) return problem;
  }
  if (!isWeekday(field)) return values;
  values[0] ||= values[7] === true;
  return values.slice(0, 7);
}

function parseItem(field: Field, item: string, values: boolean[]): string | null {
  if (item.length === 0) return "a list has an empty item.";
  const unsupported = unsupportedIn(item);
  if (unsupported) return unsupported;
  const slash = item.split("/");
  if (slash.length > 2) return `'${item}' has more than one step.`;
  const [range = "", stepText] = slash;
  const top = isWeekday(field) ? 6 : field.max;
  const largestStep = top - field.min;
  let step = 1;
  if (stepText !== undefined) {
    step = number(stepText) ?? -1;
    if (step < 1 || step > largestStep) return `the step in '${item}' must be a whole number from 1 to ${largestStep}.`;
  }
  let from = field.min;
  let to = top;
  if (range !== "*") {
    const dash = range.split("-");
    const first = dash.length > 2 ? null : value(field, dash[0] ?? "");
    const last = first === null ? null : value(field, dash[dash.length - 1] ?? "");
    if (first === null || last === null) {
      const what = field.names ? "a number or name" : "a number";
      return `'${range}' is not ${what} from ${field.min} to ${field.max}${dash.length === 2 ? " on each side of the range" : ""}.`;
    }
    if (dash.length === 1 && stepText !== undefined) {
      return `a step needs a range or '*' before it ('${item}' would read differently in Airflow's versions); write '${range}-${field.max}/${stepText}'.`;
    }
    if (first > last) return `the range '${range}' runs backwards; ranges go from the smaller value to the larger.`;
    [from, to] = [first, last];
  }
  for (let v = from; v <= to; v += step) values[v] = true;
  return null;
}

/** A number or name of the field within its bounds, else null. */
function value(field: Field, text: string): number | null {
  const n = number(text);
  if (n !== null) return n >= field.min && n <= field.max ? n : null;
  const index = field.names ? field.names.indexOf(text.toLowerCase()) : -1;
  if (index < 0) return null;
  return index + (field.names === MONTHS ? 1 : 0);
}

/** One or two ASCII digits. */
const number = (text: string) => (/^[0-9]{1,2}$/.test(text) ? Number(text) : null);

function unsupportedIn(item: string): string | null {
  const upper = item.toUpperCase();
  if (upper.includes("?")) return "'?' is not supported; use '*'.";
  if (upper.includes("#")) return "'#' (the nth weekday of the month) is not supported by every Airflow version.";
  if (upper.startsWith("H")) return "'H' (hashed values) is not supported by every Airflow version; choose the values.";
  if (upper.includes("L") && !isName(upper)) return "'L' (last day) is not supported by every Airflow version.";
  if (upper.includes("W") && !isName(upper)) return "'W' (nearest weekday) is not supported by every Airflow version.";
  return null;
}

/** Month and weekday names contain L and W themselves (jul, wed): only names, ranges and steps of names are allowed. */
const isName = (upper: string) => (upper.split("/")[0] ?? "").split("-").every((part) => /^[A-Z]{3}$/.test(part) && !part.startsWith("H"));

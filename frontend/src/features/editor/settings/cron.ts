// Cron helper for the schedule field: explains a schedule by its next runs in the workflow's time zone.
import { CronExpressionParser } from "cron-parser";

export const SCHEDULE_PRESETS: { value: string; label: string }[] = [
  { value: "@hourly", label: "Every hour" },
  { value: "@daily", label: "Every day at midnight" },
  { value: "@weekly", label: "Every Sunday at midnight" },
  { value: "@monthly", label: "First day of every month" },
  { value: "@yearly", label: "Every 1 January" },
];

// The presets the API accepts (Schedules.Presets), with the cron each stands for; @once runs a single time.
const presetCron: Record<string, string | null> = {
  "@once": null,
  "@hourly": "0 * * * *",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@weekly": "0 0 * * 0",
  "@monthly": "0 0 1 * *",
  "@quarterly": "0 0 1 */3 *",
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
};

export type NextRuns = { ok: true; runs: Date[] } | { ok: false; error: string };

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Why the API would refuse this schedule (as Schedules.Problem does), or null; the same words the next-runs preview uses. */
export function scheduleProblem(schedule: string): string | null {
  const r = nextRuns(schedule, "UTC", 1);
  return r.ok ? null : r.error;
}

/** The next `count` run times of a 5-field cron or preset, computed in IANA zone `tz`. */
export function nextRuns(schedule: string, tz: string, count = 5, from: Date = new Date()): NextRuns {
  const trimmed = schedule.trim();
  if (!isValidTimeZone(tz)) return { ok: false, error: `"${tz}" is not a known time zone (use a name like Europe/Berlin).` };
  const preset = presetCron[trimmed];
  if (preset === null) return { ok: true, runs: [] };
  const expression = preset ?? trimmed;
  if (expression.startsWith("@")) return { ok: false, error: `Unknown preset ${trimmed}; use ${Object.keys(presetCron).join(", ")}.` };
  if (expression.split(/\s+/).length !== 5) {
    return { ok: false, error: "A schedule has five fields: minute hour day-of-month month day-of-week, e.g. 0 6 * * 1-5." };
  }
  try {
    const interval = CronExpressionParser.parse(expression, { tz, currentDate: from });
    return { ok: true, runs: interval.take(count).map((d) => d.toDate()) };
  } catch (e) {
    return { ok: false, error: `This schedule cannot be read: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/** Formats a run time as the user reads it in the workflow's zone, e.g. "Mon 3 Mar 2025, 06:00 CET". */
export function formatInZone(date: Date, tz: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: tz,
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(date);
}

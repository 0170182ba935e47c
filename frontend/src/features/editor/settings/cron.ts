// The schedule field's explanation: its next runs in the workflow's time zone, computed by the API with the rules a
// save applies (presets, the five-field grammar Airflow 2.10 and 3.x share, canonical IANA zones), never by a
// second cron library that accepts other expressions.
import { useEffect, useState } from "react";
import { api, query } from "@/lib/api/client";
import { describeError, workflowProblems } from "@/lib/api/problem";

export const SCHEDULE_PRESETS: { value: string; label: string }[] = [
  { value: "@hourly", label: "Every hour" },
  { value: "@daily", label: "Every day at midnight" },
  { value: "@weekly", label: "Every Sunday at midnight" },
  { value: "@monthly", label: "First day of every month" },
  { value: "@yearly", label: "Every 1 January" },
];

export type NextRuns = { ok: true; runs: Date[] } | { ok: false; error: string };

interface NextRunsAnswer { runs: string[] }

/** The API path that answers the next `count` runs of `schedule` in zone `tz`. */
export function nextRunsPath(schedule: string, tz: string, count = 5): string {
  return `/schedules/next-runs${query({ schedule: schedule.trim(), timezone: tz, count })}`;
}

/** What the editor shows for an answer: the runs, or the problems a save would report, in one sentence. */
export function readNextRuns(answer: unknown): NextRuns {
  if (answer && typeof answer === "object" && "runs" in answer && Array.isArray((answer as NextRunsAnswer).runs)) {
    return { ok: true, runs: (answer as NextRunsAnswer).runs.map((r) => new Date(r)) };
  }
  const problems = workflowProblems(answer);
  if (problems) return { ok: false, error: problems.map((p) => p.message).join(" ") };
  return { ok: false, error: describeError(answer, "compute the next runs").title };
}

/** Asks the API a moment after the last change; null while the first answer is on its way. */
export function useNextRuns(schedule: string | null, tz: string, count = 5): NextRuns | null {
  const [result, setResult] = useState<NextRuns | null>(null);
  useEffect(() => {
    if (!schedule) return;
    let live = true;
    const t = setTimeout(() => {
      api.get<NextRunsAnswer>(nextRunsPath(schedule, tz, count)).then(
        (answer) => live && setResult(readNextRuns(answer)),
        (e) => live && setResult(readNextRuns(e)),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [schedule, tz, count]);
  return schedule ? result : null;
}

/** The time zones a save accepts, from the API (the browser's own list has aliases and lacks none of them); null until it answers. */
export function useTimeZones(): string[] | null {
  const [zones, setZones] = useState<string[] | null>(null);
  useEffect(() => {
    let live = true;
    api.get<string[]>("/schedules/timezones").then((z) => live && setZones(z), () => undefined);
    return () => {
      live = false;
    };
  }, []);
  return zones;
}

/** Formats a run time as the user reads it in the workflow's zone, e.g. "Mon 3 Mar 2025, 06:00 CET" (UTC where the browser lacks the zone). */
export function formatInZone(date: Date, tz: string): string {
  try {
    return format(date, tz);
  } catch {
    return format(date, "UTC");
  }
}

function format(date: Date, tz: string): string {
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

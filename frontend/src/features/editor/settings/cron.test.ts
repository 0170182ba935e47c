import { describe, expect, it } from "vitest";
import { formatInZone, nextRuns } from "./cron";

const from = new Date("2025-03-28T12:00:00Z"); // a Friday, two days before Europe/Berlin moves to summer time

function iso(schedule: string, tz: string) {
  const r = nextRuns(schedule, tz, 5, from);
  if (!r.ok) throw new Error(r.error);
  return r.runs.map((d) => d.toISOString());
}

describe("cron helper", () => {
  it("gives the next five daily runs at 06:00 in Berlin, across the daylight-saving change", () => {
    expect(iso("0 6 * * *", "Europe/Berlin")).toEqual([
      "2025-03-29T05:00:00.000Z",
      "2025-03-30T04:00:00.000Z",
      "2025-03-31T04:00:00.000Z",
      "2025-04-01T04:00:00.000Z",
      "2025-04-02T04:00:00.000Z",
    ]);
  });

  it("the same schedule in another zone runs at other instants", () => {
    expect(iso("0 6 * * *", "America/New_York")[0]).toBe("2025-03-29T10:00:00.000Z");
    expect(iso("0 6 * * *", "UTC")[0]).toBe("2025-03-29T06:00:00.000Z");
  });

  it("understands presets and weekday ranges", () => {
    expect(iso("@daily", "UTC")[0]).toBe("2025-03-29T00:00:00.000Z");
    expect(iso("30 9 * * 1-5", "UTC").slice(0, 2)).toEqual(["2025-03-31T09:30:00.000Z", "2025-04-01T09:30:00.000Z"]);
  });

  it("explains what is wrong with a bad schedule or zone", () => {
    expect(nextRuns("0 6 * *", "UTC", 5, from)).toEqual({ ok: false, error: expect.stringContaining("five fields") });
    expect(nextRuns("99 6 * * *", "UTC", 5, from).ok).toBe(false);
    expect(nextRuns("0 6 * * *", "Mars/Olympus", 5, from)).toEqual({ ok: false, error: expect.stringContaining("time zone") });
    expect(nextRuns("@sometimes", "UTC", 5, from).ok).toBe(false);
  });

  it("formats a run in the workflow's zone", () => {
    expect(formatInZone(new Date("2025-03-31T04:00:00Z"), "Europe/Berlin")).toMatch(/31 Mar 2025.*06:00/);
  });
});

import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/api/client";
import { formatInZone, nextRunsPath, readNextRuns } from "./cron";

describe("schedule explanation", () => {
  it("asks the API for the next runs of the schedule in the workflow's zone", () => {
    expect(nextRunsPath(" 0 6 * * 1-5 ", "Europe/Berlin")).toBe("/schedules/next-runs?schedule=0+6+*+*+1-5&timezone=Europe%2FBerlin&count=5");
  });

  it("shows the runs the API computed", () => {
    const r = readNextRuns({ runs: ["2025-03-29T05:00:00Z", "2025-03-30T04:00:00Z"] });
    expect(r).toEqual({ ok: true, runs: [new Date("2025-03-29T05:00:00Z"), new Date("2025-03-30T04:00:00Z")] });
  });

  it("shows the problems a save would report for a schedule or zone it refuses", () => {
    const refused = new ApiError(400, {
      title: "The workflow is not valid",
      problems: [
        { pointer: "/spec/schedule", message: "The schedule '0 0 L * *' is not accepted: 'L' (last day) is not supported by every Airflow version." },
        { pointer: "/spec/timezone", message: "Unknown time zone 'Europe//Berlin'." },
      ],
    });
    expect(readNextRuns(refused)).toEqual({ ok: false, error: expect.stringMatching(/'L' \(last day\).*Unknown time zone/) });
  });

  it("says the server cannot be reached rather than inventing runs", () => {
    expect(readNextRuns(new ApiError(0, {}))).toEqual({ ok: false, error: expect.stringContaining("cannot be reached") });
  });

  it("formats a run in the workflow's zone", () => {
    expect(formatInZone(new Date("2025-03-31T04:00:00Z"), "Europe/Berlin")).toMatch(/31 Mar 2025.*06:00/);
  });
});

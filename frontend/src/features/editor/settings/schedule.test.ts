// The cases of the server's SchedulesTests (tests/WorkflowControl.Core.Tests/Workflows/SchedulesTests.cs): the
// editor's draft check must accept and refuse exactly what a save does, in the same words.
import { describe, expect, it } from "vitest";
import { scheduleProblem, timeZoneProblem } from "./schedule";

describe("the schedule grammar of a save", () => {
  it.each([null, "@daily", "@quarterly", "*/15 6-18 * * 1-5", "0 6 * * MON-FRI", "0 6 1,15 jan-jun/2 *", "30 2 * * 7", "0 0 29 2 *", "0 0 31 2 mon", "0  6 * * *"])(
    "accepts %s",
    (schedule) => expect(scheduleProblem(schedule)).toBeNull(),
  );

  it.each([
    ["@fortnightly", "Unknown schedule preset"],
    ["0 6 * *", "not a five-field cron expression"],
    ["0 25 * * *", "hour field '25'"],
    ["0 0 LW * *", "'L' (last day) is not supported"],
    ["0 0 * * 5L", "'L' (last day) is not supported"],
    ["0 0 L-3 * *", "'L' (last day) is not supported"],
    ["0 0 15W * *", "'W' (nearest weekday) is not supported"],
    ["0 0 1w * *", "'W' (nearest weekday) is not supported"],
    ["0 0 * * 5#3", "'#' (the nth weekday of the month) is not supported"],
    ["0 0 ? * *", "'?' is not supported"],
    ["H 0 * * *", "'H' (hashed values) is not supported"],
    ["0 0 0 * * *", "6 fields"],
    ["0 0 0 * * * 2030", "7 fields"],
    ["0 0 31 2 *", "never fires"],
    ["0 0 30,31 2 *", "never fires"],
    ["0 0 31 4,6,9,11 *", "never fires"],
    ["0 22-2 * * *", "runs backwards"],
    ["5/15 * * * *", "a step needs a range"],
    ["*/0 * * * *", "step"],
    ["*/60 * * * *", "step"],
    ["0 0 * * 8", "day-of-week field"],
    ["0 0 * * foo", "day-of-week field"],
    ["0\t0 * * *", "spaces only"],
  ])("refuses %j: %s", (schedule, because) => expect(scheduleProblem(schedule)).toContain(because));

  it("says it in the API's words", () => {
    expect(scheduleProblem("0 25 * * *")).toBe("The schedule '0 25 * * *' is not accepted: The hour field '25': '25' is not a number from 0 to 23.");
    expect(scheduleProblem("5/15 * * * *")).toBe(
      "The schedule '5/15 * * * *' is not accepted: The minute field '5/15': a step needs a range or '*' before it ('5/15' would read differently in Airflow's versions); write '5-59/15'.",
    );
    expect(scheduleProblem("0 0 * jul-xyz *")).toBe("The schedule '0 0 * jul-xyz *' is not accepted: The month field 'jul-xyz': 'jul-xyz' is not a number or name from 1 to 12 on each side of the range.");
    expect(scheduleProblem("@sometimes")).toBe(
      "Unknown schedule preset '@sometimes'. Use one of @once, @hourly, @daily, @weekly, @monthly, @quarterly, @yearly, @annually, a five-field cron expression, or null for manual runs.",
    );
  });

  it("takes month and weekday names, which contain L and W themselves", () => {
    expect(scheduleProblem("0 0 * jul wed")).toBeNull();
    expect(scheduleProblem("0 0 * JUL-DEC/2 SUN-SAT")).toBeNull();
  });
});

describe("the time zones of a save", () => {
  const zones = ["UTC", "Europe/Berlin", "America/New_York"];

  it("accepts a name of the API's list and refuses others in its words", () => {
    expect(timeZoneProblem("Europe/Berlin", zones)).toBeNull();
    expect(timeZoneProblem("Europe//Berlin", zones)).toBe("Unknown time zone 'Europe//Berlin'. Use a canonical IANA name such as 'UTC' or 'Europe/Berlin'.");
    expect(timeZoneProblem("CET", zones)).toContain("Unknown time zone");
  });

  it("while the list is on its way, refuses only what cannot be a zone name", () => {
    expect(timeZoneProblem("Europe/Kyiv", null)).toBeNull();
    expect(timeZoneProblem("UTC", null)).toBeNull();
    for (const half of ["", "Europe", "Europe/", "W. Europe Standard Time"]) expect(timeZoneProblem(half, null), half).toContain("Unknown time zone");
  });
});

import { describe, expect, it } from "vitest";
import { parseConfigNumber, parseStepId } from "./fields";

describe("step panel fields", () => {
  it("a step id follows the task id rule and is not another step's", () => {
    const parse = parseStepId(["csv", "filter", "file"], "filter");
    expect(parse("positive_only")).toEqual({ ok: true, value: "positive_only", text: "positive_only" });
    expect(parse("filter").ok).toBe(true);
    expect(parse("csv")).toEqual({ ok: false, error: "Another step is already called “csv”." });
    for (const bad of ["", "Filter", "2nd", "with space", "x".repeat(65)]) expect(parse(bad).ok, bad).toBe(false);
  });

  it("a number field takes numbers, or nothing", () => {
    expect(parseConfigNumber(" 20 ")).toEqual({ ok: true, value: "20", text: "20" });
    expect(parseConfigNumber("")).toEqual({ ok: true, value: "", text: "" });
    expect(parseConfigNumber("2o").ok).toBe(false);
  });
});

import { describe, expect, it } from "vitest";
import { parseCron, parseName, parseParamDefault, parseTags, parseTimeZone, parseWholeNumber } from "./fields";

const value = <T,>(r: { ok: true; value: T } | { ok: false; error: string }) => (r.ok ? r.value : `error: ${r.error}`);

describe("settings fields accept what the API keeps", () => {
  it("a cron expression or preset, with its spaces made single", () => {
    expect(value(parseCron("15 7 * * 1-5    "))).toBe("15 7 * * 1-5");
    expect(value(parseCron(" 0  6 * * * "))).toBe("0 6 * * *");
    expect(value(parseCron("@quarterly"))).toBe("@quarterly");
    for (const half of ["1", "15 7", "15 7 * *", "15 7 * * 1-", "99 7 * * *", "@sometimes", ""]) expect(parseCron(half).ok, half).toBe(false);
  });

  it("a time zone of the API's list, not half of one", () => {
    const parse = parseTimeZone(["UTC", "America/New_York", "Europe/Berlin"]);
    expect(value(parse("America/New_York "))).toBe("America/New_York");
    expect(value(parse("UTC"))).toBe("UTC");
    for (const half of ["A", "America", "America/New_", "CET", "Mars/Olympus", ""]) expect(parse(half).ok, half).toBe(false);
  });

  it("a name, tags and numbers within the schema's limits", () => {
    expect(parseName("   ")).toEqual({ ok: false, error: "A workflow needs a name." });
    expect(value(parseName(" Positive sales "))).toBe("Positive sales");
    expect(parseName("x".repeat(201)).ok).toBe(false);
    expect(value(parseTags("sales, daily,, sales "))).toEqual(["sales", "daily"]);
    expect(parseTags(Array.from({ length: 21 }, (_, i) => `t${i}`).join(",")).ok).toBe(false);
    const retries = parseWholeNumber("Retries", 0, 10);
    expect(value(retries("3"))).toBe(3);
    for (const bad of ["", "-1", "11", "2.5", "x"]) expect(retries(bad).ok, bad).toBe(false);
  });

  it("a parameter default of the parameter's type; empty means none", () => {
    expect(value(parseParamDefault("integer")("7"))).toBe(7);
    expect(parseParamDefault("integer")("7.5").ok).toBe(false);
    expect(value(parseParamDefault("number")("2.5"))).toBe(2.5);
    expect(value(parseParamDefault("boolean")("false"))).toBe(false);
    expect(parseParamDefault("boolean")("yes").ok).toBe(false);
    expect(value(parseParamDefault("date")("2025-03-31"))).toBe("2025-03-31");
    expect(parseParamDefault("date")("2025-02-30").ok).toBe(false);
    expect(parseParamDefault("string")("")).toEqual({ ok: true, value: undefined, text: "" });
    expect(value(parseParamDefault("string")(" north "))).toBe(" north ");
  });
});

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { pathProblem, stepRuleProblems } from "./stepRules";

interface Fixture {
  paths: { path: string; problem: string | null }[];
  steps: { name: string; type: string; config: unknown; problems: { field: string; message: string }[] }[];
}
const fixture = JSON.parse(readFileSync(new URL("../../../../../tests/fixtures/step-rules.json", import.meta.url), "utf8")) as Fixture;

describe("shared step rules (tests/fixtures/step-rules.json, which the API runs too)", () => {
  it.each(fixture.paths)("path $path", ({ path, problem }) => {
    expect(pathProblem(path)).toBe(problem);
  });
  it.each(fixture.steps)("$name", ({ type, config, problems }) => {
    expect(stepRuleProblems(type, config)).toEqual(problems);
  });
});

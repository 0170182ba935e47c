import { readFileSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RJSFSchema } from "@rjsf/utils";
import runtimeValidator from "@rjsf/validator-ajv8";
import { CATALOG_DIR, GENERATED_FILE, catalogSchemas, checksModule } from "./schemaChecks.codegen";
import { formValidator } from "./schemaChecks";
import { configIssues } from "./schemaIssues";
import { formSchema } from "./formSchema";

// What the production page's Content-Security-Policy does to `new Function(...)` without 'unsafe-eval'.
function forbidEval() {
  // AJV logs each refused compile; the tests below say what they expect instead.
  vi.spyOn(console, "error").mockImplementation(() => {});
  vi.stubGlobal("Function", function refused() {
    throw new EvalError("Refused to evaluate a string as JavaScript because 'unsafe-eval' is not an allowed source of script");
  });
}

/** A fresh copy of a catalog type's config schema, as the browser gets it from the API (never seen by any cache). */
function served(id: string) {
  const raw = readFileSync(new URL(`${id}.json`, CATALOG_DIR), "utf8");
  return JSON.parse(raw).configSchema;
}

describe("schema checks built with the web app", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it("match the task catalog (UPDATE_SCHEMAS=1 or `npm run gen:schemas` rewrites them)", () => {
    const expected = checksModule(catalogSchemas());
    if (process.env.UPDATE_SCHEMAS === "1") writeFileSync(GENERATED_FILE, expected);
    expect(readFileSync(GENERATED_FILE, "utf8") === expected, "schemaChecks.generated.ts is out of date: run `npm run gen:schemas`").toBe(true);
  });

  it("refuse a value over a field's maximum where the page forbids eval, in the form's words", () => {
    forbidEval();
    expect(() => runtimeValidator.ajv.compile({ type: "object", properties: { n: { type: "integer" } } }), "the stub refuses eval as the policy does").toThrow(EvalError);
    const issues = configIssues({ source: "sales.csv", max_download_mb: 5000 }, served("extract.csv"));
    expect(issues).toEqual([{ field: "max_download_mb", message: "Maximum download (MB) must be 2048 or less.", source: "schema" }]);
  });

  it("check every catalog type's config where the page forbids eval", () => {
    forbidEval();
    for (const schema of catalogSchemas()) {
      // An empty config misses what a type requires, or is valid: either way a check ran and said so.
      expect(() => configIssues({}, schema)).not.toThrow();
    }
    expect(configIssues({ conditions: [] }, served("transform.filter"))).toEqual([
      { field: "conditions", message: "Conditions needs at least one entry.", source: "schema" },
    ]);
  });

  it("give the step form a validator that needs no eval, for the schema the form shows", () => {
    forbidEval();
    const shown = formSchema(served("transform.filter")) as RJSFSchema;
    const validator = formValidator(shown);
    expect(validator).not.toBe(runtimeValidator);
    const { errors } = validator.validateFormData({ conditions: [{ column: "amount", operator: "sometimes" }] }, shown);
    expect(errors.map((e) => e.property)).toEqual([".conditions.0.operator"]);
    expect(validator.isValid(shown, { conditions: [{ column: "amount", operator: "gt", value: "0" }] }, shown)).toBe(true);
  });

  it("fall back to compiling at run time for a schema the build has not seen (tests, next dev)", () => {
    const schema = { type: "object", properties: { n: { type: "integer", title: "N", maximum: 3 } } };
    expect(configIssues({ n: 4 }, schema)).toEqual([{ field: "n", message: "N must be 3 or less.", source: "schema" }]);
    expect(formValidator(schema as RJSFSchema)).toBe(runtimeValidator);
  });

  it("under the policy, leave an unseen schema to the server, trying to compile it once", () => {
    forbidEval();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const schema = { type: "object", properties: { n: { type: "integer", maximum: 3 } } };
    expect(configIssues({ n: 4 }, schema)).toEqual([]);
    expect(configIssues({ n: 5 }, schema)).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

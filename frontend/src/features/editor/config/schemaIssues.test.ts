import { describe, expect, it, vi } from "vitest";
import validator from "@rjsf/validator-ajv8";
import type { TaskType } from "@/lib/api/types";
import { pipeline } from "@/features/document/testing";
import { configIssues, schemaIssues } from "./schemaIssues";

const csvSchema = {
  type: "object",
  additionalProperties: false,
  required: ["path"],
  properties: {
    path: { type: "string", title: "File path", description: "Where the file is", minLength: 1 },
    delimiter: { type: "string", title: "Delimiter", description: "Column separator", enum: [",", ";"], default: "," },
  },
};

describe("client-side config validation", () => {
  it("names a missing required field by its title", () => {
    expect(configIssues({}, csvSchema)).toEqual([{ field: "path", message: "File path is required.", source: "schema" }]);
  });

  it("points a wrong value at its field", () => {
    const issues = configIssues({ path: "a.csv", delimiter: "|" }, csvSchema);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.field).toBe("delimiter");
  });

  it("explains a problem inside a list item under the list's field", () => {
    const schema = { type: "object", properties: { conditions: { type: "array", title: "Conditions", items: { type: "object", required: ["column"], properties: { column: { type: "string" } } } } } };
    expect(configIssues({ conditions: [{ column: "a" }, {}] }, schema)).toEqual([{ field: "conditions", message: "Conditions: item 2 needs “column”.", source: "schema" }]);
  });

  it("marks the nodes that have problems and asks for missing inputs", () => {
    const doc = pipeline();
    const catalog = new Map<string, TaskType>([
      ["extract.csv", { id: "extract.csv", category: "extract", title: "Read a CSV file", description: "", icon: "", inputs: [], outputs: [{ name: "data", kind: "table" }], preview: false, configSchema: csvSchema }],
      ["transform.filter", { id: "transform.filter", category: "transform", title: "Filter rows", description: "", icon: "", inputs: [{ name: "data", title: "Data", many: false }], outputs: [{ name: "data", kind: "table" }], preview: false, configSchema: { type: "object" } }],
      ["load.csv", { id: "load.csv", category: "load", title: "Export", description: "", icon: "", inputs: [{ name: "data", title: "Data", many: false }], outputs: [], preview: false, configSchema: { type: "object" } }],
    ]);
    expect(Object.keys(schemaIssues(doc, catalog).byNode)).toEqual([]);
    doc.spec.tasks[0]!.config = {};
    doc.spec.tasks[1]!.dependsOn = [];
    const issues = schemaIssues(doc, catalog).byNode;
    expect(issues.extract?.[0]?.field).toBe("path");
    expect(issues.filter?.[0]?.message).toMatch(/Connect an input/);
  });
});

describe("a schema the browser cannot compile", () => {
  // In production the Content-Security-Policy refuses AJV's generated code; a 500-step workflow must not try 500 times.
  it("is tried once, and its steps show only the server's problems", () => {
    const broken = { type: "object", properties: { a: { $ref: "#/definitions/nowhere" } } };
    const spy = vi.spyOn(validator, "rawValidation");
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      expect(configIssues({ a: 1 }, broken)).toEqual([]);
      expect(configIssues({ a: 2 }, broken)).toEqual([]);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
      errors.mockRestore();
    }
  });
});

describe("schema wording in a form's words", () => {
  it("says what a list or a text needs instead of AJV's phrases", () => {
    const schema = { type: "object", properties: { left_keys: { type: "array", title: "Left keys", minItems: 1, items: { type: "string" } }, column: { type: "string", title: "Column", minLength: 1 } } };
    expect(configIssues({ left_keys: [], column: "" }, schema).map((i) => i.message)).toEqual(["Left keys needs at least one entry.", "Column is required."]);
  });

  it("puts a step rule's problem on the exact field it is about", () => {
    const doc = { ...pipeline() };
    doc.spec.tasks = [{ id: "only", type: "transform.filter", config: { conditions: [{ column: "amount", operator: "gt", value: "abc" }] }, dependsOn: [] }];
    const catalog = new Map<string, TaskType>([["transform.filter", { id: "transform.filter", category: "transform", title: "Filter rows", description: "", icon: "", inputs: [], outputs: [], preview: false, configSchema: { type: "object" } }]]);
    expect(schemaIssues(doc, catalog).byNode.only).toEqual([{ field: "conditions.0.value", message: '"is greater than" needs a number or a date (YYYY-MM-DD); "abc" is neither.', source: "schema" }]);
  });
});

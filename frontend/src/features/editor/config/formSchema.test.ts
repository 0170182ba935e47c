import { describe, expect, it } from "vitest";
import { formSchema, typedFormData } from "./formSchema";

const filter = {
  type: "object",
  properties: {
    conditions: {
      type: "array",
      items: { type: "object", properties: { column: { type: "string" }, value: { title: "Value", type: ["string", "number", "boolean", "array", "null"], items: { type: "string" } } } },
    },
  },
};

describe("form schema for several-type values", () => {
  it("renders a several-type value as text and keeps other fields", () => {
    const s = formSchema(filter);
    expect(s.properties?.conditions?.items?.properties?.value).toEqual({ title: "Value", type: "string" });
    expect(s.properties?.conditions?.items?.properties?.column).toEqual({ type: "string" });
  });

  it("reads typed text back as numbers and booleans", () => {
    expect(typedFormData(filter, { conditions: [{ column: "amount", value: "10.5" }, { column: "ok", value: "true" }, { column: "c", value: "EU" }] })).toEqual({
      conditions: [{ column: "amount", value: 10.5 }, { column: "ok", value: true }, { column: "c", value: "EU" }],
    });
  });
});

// The schema the form renders: rjsf has no widget for a value of several types (e.g. string | number |
// list), so such fields are offered as text; the document keeps validating against the real schema.
import type { JsonSchema } from "@/lib/api/types";

export function formSchema(schema: JsonSchema): JsonSchema {
  const out: JsonSchema = { ...schema };
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((t) => t !== "null");
    if (types.length > 1) {
      const { items: _items, ...rest } = out;
      void _items;
      return { ...rest, type: "string" };
    }
  }
  if (schema.properties) out.properties = Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, formSchema(v)]));
  if (schema.items) out.items = formSchema(schema.items);
  return out;
}

/** Reads text typed into a several-types field back as the number or boolean it looks like. */
export function typedValue(schema: JsonSchema | undefined, value: unknown): unknown {
  if (!schema || !Array.isArray(schema.type) || typeof value !== "string") return value;
  const t = schema.type;
  if ((t.includes("number") || t.includes("integer")) && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  if (t.includes("boolean") && (value === "true" || value === "false")) return value === "true";
  return value;
}

/** Applies typedValue throughout formData according to the real schema. */
export function typedFormData(schema: JsonSchema, data: unknown): unknown {
  if (Array.isArray(data) && schema.items) return data.map((d) => typedFormData(schema.items as JsonSchema, d));
  if (data && typeof data === "object" && !Array.isArray(data) && schema.properties) {
    return Object.fromEntries(Object.entries(data as Record<string, unknown>).map(([k, v]) => [k, schema.properties?.[k] ? typedFormData(schema.properties[k] as JsonSchema, v) : v]));
  }
  return typedValue(schema, data);
}

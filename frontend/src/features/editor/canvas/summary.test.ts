import { describe, expect, it } from "vitest";
import type { TaskType } from "@/lib/api/types";
import { genericSummary, nodeSummary } from "./summary";

const sum = (type: string, config: Record<string, unknown>) => nodeSummary({ type, config }, undefined);

describe("node summaries", () => {
  it("a filter reads as its conditions", () => {
    expect(sum("transform.filter", { conditions: [{ column: "amount", operator: "gt", value: 0 }] })).toBe("amount gt 0");
    expect(sum("transform.filter", { combine: "or", conditions: [{ column: "region", operator: "in", value: ["north", "south"] }, { column: "note", operator: "is_null" }] })).toBe(
      "region in [north, south] or note is_null",
    );
    expect(sum("transform.filter", { keep: "non_matching", conditions: [{ column: "a", operator: "eq", value: 1 }, { column: "b", operator: "eq", value: 2 }, { column: "c", operator: "eq", value: 3 }] })).toBe(
      "not (a eq 1 and b eq 2 (+1))",
    );
    expect(sum("transform.filter", { conditions: [] })).toBeNull();
  });

  it("two filters, two joins, two loads look different", () => {
    expect(sum("transform.join", { how: "left", left_keys: ["customer_id"], right_keys: [] })).toBe("left on customer_id");
    expect(sum("transform.join", { how: "inner", left_keys: ["id"], right_keys: ["customer_id"] })).toBe("inner on id = customer_id");
    expect(sum("extract.csv", { source: "sales/2024.csv" })).toBe("sales/2024.csv");
    expect(sum("load.file", { path: "out/positive-sales.csv", format: "csv" })).toBe("out/positive-sales.csv");
    expect(sum("load.postgres", { table: "sales", mode: "upsert" })).toBe("public.sales (upsert)");
    expect(sum("extract.rest", { url: "https://api.example.com/orders" })).toBe("GET https://api.example.com/orders");
    expect(sum("analyze.chart", { kind: "line", x: "day", y: ["amount"] })).toBe("line of amount by day");
    expect(sum("transform.clean", { trim: true, case: "lower", deduplicate: true })).toBe("trim, lower case, deduplicate");
  });

  it("says nothing for a step with nothing set, and shortens long lines", () => {
    expect(sum("extract.csv", {})).toBeNull();
    const long = sum("extract.database", { query: `SELECT ${"column_name, ".repeat(20)} FROM t` });
    expect(long).toHaveLength(60);
    expect(long?.endsWith("…")).toBe(true);
  });

  it("falls back to the required and changed settings of any other type", () => {
    const type = { configSchema: { type: "object", required: ["target"], properties: { retries: { type: "integer", default: 3 }, target: { type: "string" }, mode: { type: "string", default: "fast" } } } } as unknown as TaskType;
    expect(nodeSummary({ type: "custom.thing", config: { retries: 3, mode: "slow", target: "s3://bucket" } }, type)).toBe("target s3://bucket, mode slow");
    expect(genericSummary({ retries: 3 }, type.configSchema)).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import type { WorkflowTask } from "@/lib/api/types";
import { picksFor } from "./pickers";

const task = (type: string, dependsOn: string[] = []): WorkflowTask => ({ id: "step", type, config: {}, dependsOn });
const known = { sales: ["region", "amount"], regions: ["region", "manager"] };

describe("pickers", () => {
  it("offers the data folder's files for a CSV step's source", () => {
    expect(picksFor(task("extract.csv"), "root_source", known, ["sales.csv", "in/regions.csv"])).toEqual({ label: "Your files", values: ["sales.csv", "in/regions.csv"] });
    expect(picksFor(task("extract.csv"), "root_source", known, [])).toBeNull();
  });

  it("offers the upstream step's columns for a filter's column and a chart's axes", () => {
    expect(picksFor(task("transform.filter", ["sales"]), "root_conditions_0_column", known, [])).toEqual({ label: "Columns of sales", values: ["region", "amount"] });
    expect(picksFor(task("analyze.chart", ["sales"]), "root_y_1", known, [])?.values).toEqual(["region", "amount"]);
    expect(picksFor(task("analyze.chart", ["sales"]), "root_title", known, [])).toBeNull();
  });

  it("offers each side's columns for a join's left and right keys", () => {
    const join = task("transform.join", ["sales", "regions"]);
    expect(picksFor(join, "root_left_keys_0", known, [])?.values).toEqual(["region", "amount"]);
    expect(picksFor(join, "root_right_keys_0", known, [])?.values).toEqual(["region", "manager"]);
  });

  it("offers nothing before the upstream step was previewed or run", () => {
    expect(picksFor(task("transform.filter", ["unknown"]), "root_conditions_0_column", known, [])).toBeNull();
  });
});

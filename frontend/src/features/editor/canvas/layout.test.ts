import { describe, expect, it } from "vitest";
import { autoLayout } from "./layout";
import { pipeline } from "@/features/document/testing";

describe("auto-layout", () => {
  it("places each task to the right of the tasks it depends on, without overlaps", () => {
    const doc = pipeline();
    const extra = { id: "side", type: "transform.filter", config: {}, dependsOn: ["extract"] };
    const pos = autoLayout([...doc.spec.tasks, extra]);
    expect(pos.filter!.x).toBeGreaterThan(pos.extract!.x);
    expect(pos.export!.x).toBeGreaterThan(pos.filter!.x);
    expect(pos.side!.x).toBe(pos.filter!.x);
    expect(Math.abs(pos.side!.y - pos.filter!.y)).toBeGreaterThanOrEqual(86);
  });
});

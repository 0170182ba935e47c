import { describe, expect, it } from "vitest";
import { configChanges } from "./ConfigPanel";

describe("form changes become field operations", () => {
  it("emits one operation per changed field, removing cleared ones", () => {
    expect(configChanges("t", { a: 1, b: "x", c: [1] }, { a: 1, b: "y", c: [1], d: true })).toEqual([
      { kind: "updateConfig", id: "t", path: ["b"], value: "y" },
      { kind: "updateConfig", id: "t", path: ["d"], value: true },
    ]);
    expect(configChanges("t", { a: 1 }, {})).toEqual([{ kind: "updateConfig", id: "t", path: ["a"], value: undefined }]);
    expect(configChanges("t", { a: { x: 1 } }, { a: { x: 1 } })).toEqual([]);
  });
});

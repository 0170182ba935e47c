import { describe, expect, it } from "vitest";
import { showValue, sizeText } from "./diff";

describe("how sizes and values read", () => {
  it("says how many steps changed, and settings apart", () => {
    expect(sizeText({ stepsAdded: 2, stepsRemoved: 0, stepsChanged: 1, otherChanges: 1 })).toBe("2 added, 1 changed · 1 setting");
    expect(sizeText({ stepsAdded: 0, stepsRemoved: 0, stepsChanged: 0, otherChanges: 3 })).toBe("3 settings");
    expect(sizeText({ stepsAdded: 0, stepsRemoved: 0, stepsChanged: 0, otherChanges: 0 })).toBe("layout only");
  });

  it("shows a missing value as a dash and an empty text as quotes", () => {
    expect(showValue(undefined)).toBe("—");
    expect(showValue("")).toBe('""');
    expect(showValue(["a", "b"])).toBe('["a","b"]');
  });
});

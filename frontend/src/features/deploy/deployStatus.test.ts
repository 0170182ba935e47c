import { describe, expect, it } from "vitest";
import { undeployedText } from "./deployStatus";

describe("undeployedText", () => {
  it("names both versions while the deployed one is behind", () => {
    expect(undeployedText(77, { version: 72 })).toBe("Changes not deployed (v77 vs v72)");
  });

  it("says nothing when the edited version is the deployed one, or nothing was deployed yet", () => {
    expect(undeployedText(72, { version: 72 })).toBeNull();
    expect(undeployedText(5, null)).toBeNull();
  });
});

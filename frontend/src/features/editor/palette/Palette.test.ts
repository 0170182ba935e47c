import { describe, expect, it } from "vitest";
import { testCatalog } from "@/features/document/testing";
import { groupTaskTypes } from "./Palette";

describe("palette", () => {
  it("groups by category in pipeline order and searches titles", () => {
    const types = [...testCatalog.values()];
    expect(groupTaskTypes(types, "").map(([c]) => c)).toEqual(["extract", "transform", "load"]);
    const found = groupTaskTypes(types, "JOIN");
    expect(found).toHaveLength(1);
    expect(found[0]?.[1].map((t) => t.id)).toEqual(["transform.join"]);
  });
});

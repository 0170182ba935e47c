import { describe, expect, it } from "vitest";
import { pipeline } from "./testing";
import { keepUnchanged } from "./sharing";

describe("a document that arrives whole", () => {
  it("is the shown document itself when nothing changed, so no step is drawn again", () => {
    const shown = pipeline();
    expect(keepUnchanged(shown, structuredClone(shown))).toBe(shown);
  });

  it("keeps the unchanged steps and takes the changed one", () => {
    const shown = pipeline();
    const arrived = structuredClone(shown);
    arrived.spec.tasks[1]!.config = { ...arrived.spec.tasks[1]!.config, changed: true };
    const kept = keepUnchanged(shown, arrived);
    expect(kept).toEqual(arrived);
    expect(kept).not.toBe(shown);
    expect(kept.spec.tasks[0]).toBe(shown.spec.tasks[0]);
    expect(kept.spec.tasks[1]).not.toBe(shown.spec.tasks[1]);
    expect(kept.layout).toBe(shown.layout);
  });

  it("takes added and removed steps and settings", () => {
    const shown = pipeline();
    const arrived = structuredClone(shown);
    arrived.spec.tasks.pop();
    delete (arrived.metadata as { description?: string }).description;
    const kept = keepUnchanged(shown, arrived);
    expect(kept).toEqual(arrived);
    expect(kept.spec.tasks).toHaveLength(shown.spec.tasks.length - 1);
    expect("description" in kept.metadata).toBe(false);
  });
});

import { beforeEach, describe, expect, it, vi } from "vitest";
import type { PreviewResult } from "@/lib/api/types";
import { pipeline } from "@/features/document/testing";
import { useEditor } from "@/features/document/store";
import { draggedHeight } from "./resize";

const answers: ((r: PreviewResult) => void)[] = [];
vi.mock("../config/preview", async (original) => ({
  ...(await original<typeof import("../config/preview")>()),
  fetchPreview: () => new Promise<PreviewResult>((resolve) => answers.push(resolve)),
}));
const { startPreview } = await import("../config/DataPreview");

const result = (region: string): PreviewResult => ({ rows: [{ region }], schema: [{ name: "region", type: "string" }] });

describe("the results panel under the canvas", () => {
  beforeEach(() => {
    useEditor.getState().load({ id: "w", version: 1, role: "owner", ownerId: "o", ownerName: "O", createdAt: "", updatedAt: "", document: pipeline() });
    useEditor.getState().closePanel();
  });

  it("grows as its top edge is dragged up, within limits", () => {
    expect(draggedHeight(280, 500, 380, 800)).toBe(400);
    expect(draggedHeight(280, 500, 700, 800)).toBe(120);
    expect(draggedHeight(280, 500, 0, 800)).toBe(580);
  });

  it("clicking a step after a run opens its log there", () => {
    useEditor.getState().openLog("filter", 2);
    const { panel, logTask } = useEditor.getState();
    expect(panel).toMatchObject({ open: true, tab: "log" });
    expect(logTask).toEqual({ taskId: "filter", tryNumber: 2 });
  });

  it("shows a preview in the panel; an older answer never replaces a newer one", async () => {
    const first = startPreview("extract");
    expect(useEditor.getState().panel).toMatchObject({ open: true, tab: "preview" });
    expect(useEditor.getState().preview).toEqual({ taskId: "extract", state: { kind: "running" } });
    const second = startPreview("filter");
    answers[1]?.(result("north"));
    await second;
    answers[0]?.(result("stale"));
    await first;
    expect(useEditor.getState().preview).toEqual({ taskId: "filter", state: { kind: "done", result: result("north") } });
  });

  it("another workflow starts with no log or preview", () => {
    useEditor.getState().openLog("filter", 1);
    useEditor.getState().load({ id: "w2", version: 1, role: "owner", ownerId: "o", ownerName: "O", createdAt: "", updatedAt: "", document: pipeline() });
    expect(useEditor.getState().logTask).toBeNull();
    expect(useEditor.getState().preview).toBeNull();
  });
});

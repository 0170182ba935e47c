import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { initialCollab, useCollab } from "@/features/collab/store";
import { pipeline } from "@/features/document/testing";
import { forgetParkedDrafts, registerField } from "./fields/draft";
import { saveNow } from "./save";
import { useEditor } from "@/features/document/store";

describe("Ctrl+S", () => {
  beforeEach(() => {
    useEditor.getState().load({ id: "w", version: 7, role: "owner", ownerId: "o", ownerName: "O", createdAt: "", updatedAt: "", document: pipeline() });
  });
  afterEach(() => {
    useCollab.setState(initialCollab);
    forgetParkedDrafts();
  });

  it("Ctrl_S_did_nothing_in_live_mode: it stores the open field, waits for the server and says Saved", async () => {
    useCollab.setState({ status: "live", pendingCount: 0 });
    const off = registerField({
      commitNow: () => {
        useCollab.setState({ pendingCount: 1 }); // the field's value goes out as an operation
        return true;
      },
      dirty: () => true,
    });
    const byHand = vi.fn(async () => {});
    const said = saveNow(byHand);
    await Promise.resolve();
    useEditor.setState({ version: 8 });
    useCollab.setState({ pendingCount: 0 });
    expect(await said).toBe("Saved: the server has every change (version 8).");
    expect(byHand).not.toHaveBeenCalled();
    off();
  });

  it("says what is not saved: a field that cannot be stored, or a lost connection", async () => {
    useCollab.setState({ status: "live", pendingCount: 0 });
    const off = registerField({ commitNow: () => false, dirty: () => true });
    expect(await saveNow(async () => {})).toMatch(/^Not saved yet: 1 field holds a value that cannot be stored/);
    off();
    useCollab.setState({ status: "reconnecting", pendingCount: 2 });
    expect(await saveNow(async () => {})).toMatch(/^Offline/);
  });

  it("without the live connection, saves by hand when there is something to save", async () => {
    useCollab.setState({ status: "unavailable" });
    const byHand = vi.fn(async () => {});
    expect(await saveNow(byHand)).toBe("Nothing to save: no changes since version 7.");
    useEditor.getState().apply({ kind: "moveNode", id: "extract", position: { x: 5, y: 5 } });
    expect(await saveNow(byHand)).toBeNull();
    expect(byHand).toHaveBeenCalledOnce();
  });
});

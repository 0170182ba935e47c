// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acting, render, typeInto, type Rendered } from "@/features/shared/testing/render";
import { pipeline } from "@/features/document/testing";
import { forgetParkedDrafts } from "../fields/draft";
import { useEditor } from "@/features/document/store";
import { ConfigPanel } from "./ConfigPanel";

let view: Rendered;
const task = (id: string) => useEditor.getState().doc?.spec.tasks.find((t) => t.id === id) as NonNullable<ReturnType<typeof useEditor.getState>["doc"]>["spec"]["tasks"][number];
const panel = (id: string) => <ConfigPanel task={task(id)} type={undefined} issues={[]} readOnly={false} />;
const idField = () => view.container.querySelector("input") as HTMLInputElement;

describe("the step panel's id field", () => {
  beforeEach(() => {
    useEditor.getState().load({ id: "w", version: 1, role: "owner", ownerId: "o", ownerName: "O", createdAt: "", updatedAt: "", document: pipeline() });
  });
  afterEach(async () => {
    await view.unmount();
    forgetParkedDrafts();
  });

  it("a refused id stays with its step: another step shows its own id, and the draft is back with the first", async () => {
    view = await render(panel("filter"));
    await acting(() => idField().focus());
    await typeInto(idField(), "extract");
    await acting(() => idField().blur());
    expect(idField().value).toBe("extract");
    expect(view.container.textContent).toMatch(/Another step is already called “extract”/);
    expect(task("filter")).toBeDefined();

    await view.rerender(panel("export"));
    expect(idField().value).toBe("export");
    expect(view.container.textContent).not.toMatch(/Someone else|already called/);

    await view.rerender(panel("filter"));
    expect(idField().value).toBe("extract");
    expect(view.container.textContent).toMatch(/already called “extract”/);
  });

  it("renames on Enter when the id is free", async () => {
    view = await render(panel("filter"));
    await acting(() => idField().focus());
    await typeInto(idField(), "positive_only");
    await acting(() => void idField().dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true })));
    expect(useEditor.getState().doc?.spec.tasks.map((t) => t.id)).toEqual(["extract", "positive_only", "export"]);
  });
});

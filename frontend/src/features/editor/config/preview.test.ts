import { afterEach, describe, expect, it, vi } from "vitest";
import type { TaskType, WorkflowDocument } from "@/lib/api/types";
import { pipeline, testCatalog } from "@/features/document/testing";
import { columnLabel, fetchPreview, formatCell, previewAvailability, previewedTasks } from "./preview";

const filter = { ...(testCatalog.get("transform.filter") as TaskType), preview: true };
const exportType = testCatalog.get("load.csv") as TaskType;

function withConfig(doc: WorkflowDocument, id: string, config: Record<string, unknown>): WorkflowDocument {
  return { ...doc, spec: { ...doc.spec, tasks: doc.spec.tasks.map((t) => (t.id === id ? { ...t, config } : t)) } };
}

describe("data preview availability", () => {
  it("offers the preview of a saved step to a user who may run it", () => {
    expect(previewAvailability(filter, "execute", pipeline(), pipeline(), "filter")).toEqual({ ok: true });
  });

  it("explains that steps which write data have no preview", () => {
    const answer = previewAvailability(exportType, "owner", pipeline(), pipeline(), "export");
    expect(answer).toEqual({ ok: false, reason: "“Export to CSV” steps write or send data; they have no data preview." });
  });

  it("tells a viewer that previews need the execute role", () => {
    expect(previewAvailability(filter, "view", pipeline(), pipeline(), "filter")).toMatchObject({ ok: false, reason: expect.stringContaining("execute role") });
  });

  it("asks to save a step the server has never seen", () => {
    const saved = { ...pipeline(), spec: { ...pipeline().spec, tasks: [] } };
    expect(previewAvailability(filter, "owner", saved, pipeline(), "filter")).toMatchObject({ ok: false, reason: expect.stringContaining("Save the workflow first") });
  });

  it("warns when an upstream step has unsaved changes, but not for changes elsewhere", () => {
    const current = withConfig(pipeline(), "extract", { path: "other.csv" });
    expect(previewAvailability(filter, "owner", pipeline(), current, "filter")).toMatchObject({ ok: true, note: expect.stringContaining("uses the saved settings") });
    const downstreamOnly = withConfig(pipeline(), "export", { path: "x.csv" });
    expect(previewAvailability(filter, "owner", pipeline(), downstreamOnly, "filter")).toEqual({ ok: true });
  });

  it("runs the step together with everything it reads from", () => {
    expect(previewedTasks(pipeline(), "export").map((t) => t.id)).toEqual(["extract", "filter", "export"]);
    expect(previewedTasks(pipeline(), "extract").map((t) => t.id)).toEqual(["extract"]);
  });
});

describe("preview table", () => {
  it("shows missing values distinctly and nested values as JSON", () => {
    expect(formatCell(null)).toEqual({ text: "—", missing: true });
    expect(formatCell(false)).toEqual({ text: "false", missing: false });
    expect(formatCell({ a: 1 })).toEqual({ text: '{"a":1}', missing: false });
  });

  it("labels timestamps with their time zone", () => {
    expect(columnLabel({ name: "at", type: "timestamp", timezone: "UTC" })).toBe("timestamp (UTC)");
    expect(columnLabel({ name: "n", type: "integer" })).toBe("integer");
  });
});

describe("preview request", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("posts the row limit to the step's preview endpoint", async () => {
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ rows: [], schema: [] }), { status: 200 }));
    vi.stubGlobal("fetch", fetchMock);
    await fetchPreview("wf-1", "clean up", 20);
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toMatch(/\/workflows\/wf-1\/tasks\/clean%20up\/preview$/);
    expect(init.method).toBe("POST");
    expect(JSON.parse(init.body as string)).toEqual({ limit: 20 });
  });
});

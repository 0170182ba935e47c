import { describe, expect, it } from "vitest";
import { locateProblem, mapProblems, mergeIssues, parsePointer } from "./validation";
import { pipeline } from "./testing";

describe("validation display", () => {
  it("unescapes JSON pointer segments", () => {
    expect(parsePointer("/spec/tasks/0/config/a~1b~0c")).toEqual(["spec", "tasks", "0", "config", "a/b~c"]);
    expect(parsePointer("")).toEqual([]);
  });

  it("maps a config problem to the node and field the user edits", () => {
    expect(locateProblem(pipeline(), "/spec/tasks/1/config/condition")).toEqual({ kind: "node", nodeId: "filter", field: "condition" });
    expect(locateProblem(pipeline(), "/spec/tasks/2/dependsOn/0")).toEqual({ kind: "node", nodeId: "export", field: "dependsOn" });
    expect(locateProblem(pipeline(), "/spec/tasks/0")).toEqual({ kind: "node", nodeId: "extract", field: undefined });
  });

  it("maps workflow-level problems to settings fields and unknown ones to general", () => {
    expect(locateProblem(pipeline(), "/spec/schedule")).toEqual({ kind: "settings", field: "schedule" });
    expect(locateProblem(pipeline(), "/metadata/name")).toEqual({ kind: "settings", field: "name" });
    expect(locateProblem(pipeline(), "/spec/tasks/9/config/x")).toEqual({ kind: "general" });
    expect(locateProblem(pipeline(), "")).toEqual({ kind: "general" });
  });

  it("groups problems per node", () => {
    const map = mapProblems(pipeline(), [
      { pointer: "/spec/tasks/2/config/path", message: "path is required" },
      { pointer: "/spec/tasks/2/config/format", message: "format must be csv" },
      { pointer: "/spec/timezone", message: "unknown time zone" },
      { pointer: "/spec", message: "a workflow needs at least one task" },
    ]);
    expect(map.byNode.export?.map((i) => i.field)).toEqual(["path", "format"]);
    expect(map.byNode.extract).toBeUndefined();
    expect(map.settings).toEqual([{ message: "unknown time zone", field: "timezone", source: "server" }]);
    expect(map.general).toHaveLength(1);
  });

  it("shows the server's problems on a node only when the editor's own check found none", () => {
    const server = mapProblems(pipeline(), [
      { pointer: "/spec/tasks/0/config", message: "Missing required field(s) [\"path\"]" },
      { pointer: "/spec/tasks/1/config/condition", message: "unknown column" },
    ]);
    const client = { byNode: { extract: [{ field: "path", message: "File path is required.", source: "schema" as const }] }, settings: [], general: [] };
    const merged = mergeIssues(client, server);
    expect(merged.byNode.extract?.map((i) => i.message)).toEqual(["File path is required."]);
    expect(merged.byNode.filter?.map((i) => i.message)).toEqual(["unknown column"]);
  });
});

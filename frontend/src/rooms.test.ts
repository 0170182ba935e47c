// The web app's rooms and which way they depend: lib/* (the API client, the realtime connection) below every
// feature, features/document (the open workflow and its operations) below the features that show or share it.
// A room that imports another which imports it back makes both impossible to change alone, so it fails here.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const SRC = join(__dirname);
const IMPORT = /(?:import|export)\s[^"']*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** features/<name> and lib/<name> are rooms; app/ (the routes) sits on top and is not one. */
function roomOf(pathFromSrc: string): string | null {
  const [top, name] = pathFromSrc.split("/");
  return (top === "features" || top === "lib") && name && !name.includes(".") ? `${top}/${name}` : null;
}

function resolveImport(fromFile: string, specifier: string): string | null {
  if (specifier.startsWith("@/")) return specifier.slice(2);
  if (specifier.startsWith(".")) return relative(SRC, join(fromFile, "..", specifier));
  return null;
}

/** Room → rooms it imports, from the source text of every non-test file. */
function roomGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(SRC)) {
    const from = roomOf(relative(SRC, file));
    if (!from) continue;
    for (const match of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const target = resolveImport(file, match[1] ?? match[2] ?? "");
      const to = target && roomOf(target);
      if (to && to !== from) graph.set(from, (graph.get(from) ?? new Set()).add(to));
    }
  }
  return graph;
}

/** The first cycle found as a path of rooms (first room repeated at the end), or null. */
function findCycle(graph: ReadonlyMap<string, ReadonlySet<string>>): string[] | null {
  const done = new Set<string>();
  const onPath: string[] = [];
  const visit = (room: string): string[] | null => {
    const at = onPath.indexOf(room);
    if (at >= 0) return [...onPath.slice(at), room];
    if (done.has(room)) return null;
    onPath.push(room);
    for (const next of graph.get(room) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    onPath.pop();
    done.add(room);
    return null;
  };
  for (const room of graph.keys()) {
    const cycle = visit(room);
    if (cycle) return cycle;
  }
  return null;
}

describe("rooms", () => {
  const graph = roomGraph();

  it("finds a cycle when there is one, so the check below can fail", () => {
    const tangled = new Map([["features/a", new Set(["features/b"])], ["features/b", new Set(["features/a"])]]);
    expect(findCycle(tangled)).toEqual(["features/a", "features/b", "features/a"]);
  });

  it("sees the imports it checks", () => {
    expect(graph.get("features/editor")).toContain("features/document");
  });

  it("has no room that imports one which imports it back", () => {
    expect(findCycle(graph)).toBeNull();
  });

  it("keeps lib below every feature", () => {
    const libImportsOfFeatures = [...graph].filter(([from, to]) => from.startsWith("lib/") && [...to].some((t) => t.startsWith("features/")));
    expect(libImportsOfFeatures).toEqual([]);
  });

  it("keeps the document model below the features that show or share it", () => {
    expect([...(graph.get("features/document") ?? [])].filter((t) => t.startsWith("features/"))).toEqual([]);
  });
});

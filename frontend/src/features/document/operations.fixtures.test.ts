// The shared cases the server's port (WorkflowControl.Core/Workflows/WorkflowOperations.cs) runs too: if both
// pass, the hub and every browser turn the same operations into the same document.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { WorkflowDocument } from "@/lib/api/types";
import { applyOperation, type Operation } from "./operations";

type DocumentRef = string | WorkflowDocument;
interface Case {
  name: string;
  document: DocumentRef;
  operation: Operation;
  expect: { document: DocumentRef } | { refused: string };
}
interface Fixture { documents: Record<string, WorkflowDocument>; cases: Case[] }

const fixture = JSON.parse(
  readFileSync(new URL("../../../../tests/fixtures/operations.json", import.meta.url), "utf8"),
) as Fixture;

function resolve(ref: DocumentRef): WorkflowDocument {
  if (typeof ref !== "string") return ref;
  const doc = fixture.documents[ref];
  if (!doc) throw new Error(`the fixture names an unknown document "${ref}"`);
  return structuredClone(doc);
}

describe("shared operation cases (tests/fixtures/operations.json)", () => {
  it("has cases for every kind of operation", () => {
    const kinds = new Set(fixture.cases.map((c) => c.operation.kind));
    expect([...kinds].sort()).toEqual(
      ["addEdge", "addNode", "batch", "deleteEdge", "deleteNode", "moveNode", "updateConfig", "updateNode", "updateSettings"],
    );
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const doc = resolve(c.document);
    const before = structuredClone(doc);
    const result = applyOperation(doc, c.operation);
    if ("refused" in c.expect) {
      expect(result).toEqual({ ok: false, reason: expect.stringContaining(c.expect.refused) });
    } else {
      if (!result.ok) throw new Error(`refused: ${result.reason}`);
      // JSON round trip: a property set to undefined is absent in what the server stores and sends.
      expect(JSON.parse(JSON.stringify(result.doc))).toStrictEqual(resolve(c.expect.document));
    }
    expect(doc).toStrictEqual(before);
  });
});

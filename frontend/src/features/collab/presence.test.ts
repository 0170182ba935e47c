import { afterEach, describe, expect, it, vi } from "vitest";
import { avatars, liveCursors, locksOfOthers, selectionsByNode, throttleLatest, withCursor, withLockChange, CURSOR_SILENCE_MS, type Participant } from "./presence";

const person = (connectionId: string, userId: string, name: string, selectedNode: string | null = null): Participant => ({
  connectionId,
  userId,
  displayName: name,
  initials: name.split(" ").map((w) => w[0]).join(""),
  colour: `#${connectionId.padStart(6, "0")}`,
  selectedNode,
});

const ada = person("1", "ada", "Ada Lovelace", "extract");
const bob = person("2", "bob", "Bob Builder", "extract");
const bobAgain = person("3", "bob", "Bob Builder", "filter");

describe("presence", () => {
  it("shows one avatar per person, this user first", () => {
    const list = avatars([bob, ada, bobAgain], ada);
    expect(list.map((p) => [p.displayName, p.isMe])).toEqual([["Ada Lovelace", true], ["Bob Builder", false]]);
  });

  it("outlines the nodes other connections selected, never this one's own", () => {
    const marks = selectionsByNode([ada, bob, bobAgain], "1");
    expect(Object.keys(marks).sort()).toEqual(["extract", "filter"]);
    expect(marks.extract?.map((m) => m.initials)).toEqual(["BB"]);
  });

  it("keeps the marker list of a node whose markers did not change, so that node is not drawn again", () => {
    const before = selectionsByNode([ada, bob, bobAgain], "1");
    const after = selectionsByNode([ada, bob, { ...bobAgain, selectedNode: "export" }], "1", before);
    expect(after.extract).toBe(before.extract);
    expect(after.filter).toBeUndefined();
    expect(after.export).toHaveLength(1);
  });

  it("keeps only locks held by other connections", () => {
    const lock = (nodeId: string, connectionId: string) => ({ nodeId, userId: "u", displayName: "U", connectionId });
    expect(Object.keys(locksOfOthers([lock("a", "me"), lock("b", "x")], "me"))).toEqual(["b"]);
    let locks = withLockChange({}, "a", lock("a", "x"), "me");
    expect(locks.a?.connectionId).toBe("x");
    locks = withLockChange(locks, "a", lock("a", "me"), "me");
    expect(locks).toEqual({});
    expect(withLockChange({ a: lock("a", "x") }, "a", null, "me")).toEqual({});
  });

  it("forgets cursors after ten silent seconds and when their owner leaves", () => {
    const moved = (connectionId: string) => ({ workflowId: "w", connectionId, userId: "u", displayName: "U", colour: "#000", x: 1, y: 2 });
    let cursors = withCursor({}, moved("2"), "1", 0);
    cursors = withCursor(cursors, moved("3"), "1", 5000);
    expect(withCursor(cursors, moved("1"), "1", 0)).toBe(cursors);
    expect(liveCursors(cursors, null, CURSOR_SILENCE_MS - 1)).toBe(cursors);
    expect(Object.keys(liveCursors(cursors, null, CURSOR_SILENCE_MS))).toEqual(["3"]);
    expect(Object.keys(liveCursors(cursors, new Set(["2"]), 0))).toEqual(["2"]);
  });
});

describe("throttleLatest", () => {
  afterEach(() => vi.useRealTimers());

  it("sends at most every interval and always sends where the pointer stopped", () => {
    vi.useFakeTimers();
    const sent: number[] = [];
    const t = throttleLatest((v: number) => sent.push(v), 50, () => Date.now());
    t.push(1);
    t.push(2);
    t.push(3);
    expect(sent).toEqual([1]);
    vi.advanceTimersByTime(49);
    expect(sent).toEqual([1]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([1, 3]);
    vi.advanceTimersByTime(500);
    t.push(4);
    expect(sent).toEqual([1, 3, 4]);
    t.push(5);
    t.cancel();
    vi.advanceTimersByTime(500);
    expect(sent).toEqual([1, 3, 4]);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { accept, attempt, committed, documentChanged, edit, flushDrafts, forgetParkedDrafts, park, problem, refused, registerField, reject, unpark, unsavedDrafts, type Parse } from "./draft";

const fiveFields: Parse<string> = (text) => {
  const t = text.trim().split(/\s+/).join(" ");
  return t.split(" ").length === 5 ? accept(t, t) : reject("A schedule has five fields.");
};

describe("a field's draft", () => {
  afterEach(() => forgetParkedDrafts());

  it("keeps what is typed apart from the document until it can be stored", () => {
    let d = edit(null, "30 6 * * 1-5", "1");
    for (const text of ["15", "15 7", "15 7 *", "15 7 * *", "15 7 * * 1-5"]) d = edit(d, "30 6 * * 1-5", text);
    expect(d).toMatchObject({ text: "15 7 * * 1-5", base: "30 6 * * 1-5", theirs: null });
    const [tried, what] = attempt(d, "30 6 * * 1-5", fiveFields);
    expect(what).toEqual({ kind: "commit", value: "15 7 * * 1-5", text: "15 7 * * 1-5" });
    // Once the document has it, the field shows the document again.
    expect(documentChanged(committed(tried as NonNullable<typeof tried>, "15 7 * * 1-5"), "15 7 * * 1-5")).toBeNull();
  });

  it("never stores a half-typed value, and says why once a commit was tried", () => {
    const d = edit(null, "0 6 * * *", "15 7");
    expect(problem(d, fiveFields)).toBeNull(); // no scolding while still typing
    const [tried, what] = attempt(d, "0 6 * * *", fiveFields);
    expect(what.kind).toBe("invalid");
    expect(tried?.text).toBe("15 7");
    expect(problem(tried, fiveFields)).toBe("A schedule has five fields.");
  });

  it("stores the canonical value and calls a draft that only differs in spaces unchanged", () => {
    const [, spaced] = attempt(edit(null, "0 6 * * *", "15 7 * * 1-5    "), "0 6 * * *", fiveFields);
    expect(spaced).toEqual({ kind: "commit", value: "15 7 * * 1-5", text: "15 7 * * 1-5" });
    const [, same] = attempt(edit(null, "0 6 * * *", " 0  6 * * * "), "0 6 * * *", fiveFields);
    expect(same.kind).toBe("nothing");
  });

  it("keeps the draft when someone else changes the field, and shows their value", () => {
    const d = edit(null, "Europe/Berlin", "America/New");
    const theirs = documentChanged(d, "Asia/Tokyo");
    expect(theirs).toMatchObject({ text: "America/New", theirs: "Asia/Tokyo" });
    // The draft committed over theirs: later changes are measured from the committed value.
    const mine = committed(theirs as NonNullable<typeof theirs>, "America/New_York");
    expect(mine).toMatchObject({ base: "America/New_York", theirs: null });
    expect(documentChanged(mine, "America/New_York")?.theirs ?? null).toBeNull();
  });

  it("shows the editor's reason when it refuses a value", () => {
    const d = refused(edit(null, "filter", "csv") as NonNullable<ReturnType<typeof edit>>, 'A task called "csv" already exists.');
    expect(problem(d, (t) => accept(t, t))).toBe('A task called "csv" already exists.');
    expect(edit(d, "filter", "csv2")?.refusal).toBeNull();
  });

  it("parks a draft that left the screen and brings it back, noting a change made meanwhile", () => {
    park("settings:schedule", { text: "15 7", base: "0 6 * * *", theirs: null, tried: false, refusal: null });
    expect(unsavedDrafts()).toBe(1);
    expect(unpark("settings:schedule", "0 9 * * *")).toMatchObject({ text: "15 7", theirs: "0 9 * * *", tried: true });
    expect(unpark("settings:schedule", "0 9 * * *")).toBeNull();
  });

  it("Ctrl+S commits every open field and counts what cannot be stored", () => {
    const done: string[] = [];
    const off1 = registerField({ commitNow: () => (done.push("name"), true), dirty: () => false });
    const off2 = registerField({ commitNow: () => (done.push("cron"), false), dirty: () => true });
    park("settings:timezone", { text: "Mars/", base: "UTC", theirs: null, tried: true, refusal: null });
    expect(flushDrafts()).toBe(2);
    expect(done).toEqual(["name", "cron"]);
    expect(unsavedDrafts()).toBe(2);
    off1();
    off2();
    forgetParkedDrafts();
    expect(unsavedDrafts()).toBe(0);
  });
});

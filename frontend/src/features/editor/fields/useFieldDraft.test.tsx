// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useState } from "react";
import { acting, render, typeInto, type Rendered } from "@/features/shared/testing/render";
import { parseCron, parseTimeZone } from "../settings/fields";
import { DraftNotes } from "./DraftField";
import { flushDrafts, forgetParkedDrafts, type Parse } from "./draft";
import { useFieldDraft } from "./useFieldDraft";

const parseZone = parseTimeZone(["America/New_York", "Asia/Tokyo", "Europe/Berlin", "UTC"]);

/** A field over a stand-in document that, like the live server, refuses what does not parse. */
const doc = { value: "", commits: [] as string[], setFromElsewhere: (() => {}) as (value: string) => void };

function Field({ parse, pauseMs, parkKey }: { parse: Parse<string>; pauseMs?: number; parkKey?: string }) {
  const [value, setValue] = useState(doc.value);
  doc.setFromElsewhere = (v) => {
    doc.value = v;
    setValue(v);
  };
  const draft = useFieldDraft({
    value,
    parse,
    pauseMs,
    parkKey,
    commit: (v) => {
      if (!parse(v).ok) return "The server refused it.";
      doc.commits.push(v);
      doc.value = v;
      setValue(v);
      return null;
    },
  });
  return (
    <label>
      Field
      <input {...draft.field} />
      <DraftNotes id="f" draft={draft} />
    </label>
  );
}

let view: Rendered;
const input = () => view.container.querySelector("input") as HTMLInputElement;
const text = () => view.container.textContent ?? "";

/** Types text key by key, as a person does: every intermediate value goes through the field. */
async function typeKeys(el: HTMLInputElement, typed: string) {
  for (let i = 1; i <= typed.length; i++) await typeInto(el, typed.slice(0, i));
}
const press = (key: string) => acting(() => void input().dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true })));

describe("useFieldDraft", () => {
  beforeEach(() => {
    doc.value = "30 6 * * 1-5";
    doc.commits = [];
  });
  afterEach(async () => {
    await view?.unmount();
    forgetParkedDrafts();
    vi.useRealTimers();
  });

  it("Typing_a_cron_reverted_every_keystroke: the typed schedule is stored once, on leaving the field", async () => {
    view = await render(<Field parse={parseCron} />);
    await acting(() => input().focus());
    await typeInto(input(), "");
    await typeKeys(input(), "15 7 * * 1-5");
    expect(doc.commits).toEqual([]); // "1", "15 7", "15 7 *" ... never reach the document
    expect(input().value).toBe("15 7 * * 1-5");
    await acting(() => input().blur());
    expect(doc.commits).toEqual(["15 7 * * 1-5"]);
    expect(input().value).toBe("15 7 * * 1-5");
  });

  it("stores no trailing spaces, and Enter commits without leaving the field", async () => {
    view = await render(<Field parse={parseCron} />);
    await acting(() => input().focus());
    await typeInto(input(), "15 7 * * 1-5    ");
    await press("Enter");
    expect(doc.commits).toEqual(["15 7 * * 1-5"]);
    expect(document.activeElement).toBe(input());
    await acting(() => input().blur());
    expect(input().value).toBe("15 7 * * 1-5");
  });

  it("keeps an invalid draft on screen with the reason under the field, and stores nothing", async () => {
    view = await render(<Field parse={parseCron} />);
    await acting(() => input().focus());
    await typeInto(input(), "15 7 * *");
    expect(view.container.querySelector('[role="alert"]')).toBeNull();
    await acting(() => input().blur());
    expect(doc.commits).toEqual([]);
    expect(input().value).toBe("15 7 * *");
    expect(input().getAttribute("aria-invalid")).toBe("true");
    expect(view.container.querySelector('[role="alert"]')?.textContent).toMatch(/not a five-field cron expression/);
    // Fixing it stores it and the message goes.
    await acting(() => input().focus());
    await typeInto(input(), "15 7 * * *");
    await acting(() => input().blur());
    expect(doc.commits).toEqual(["15 7 * * *"]);
    expect(view.container.querySelector('[role="alert"]')).toBeNull();
  });

  it("commits a valid draft after a pause in typing", async () => {
    vi.useFakeTimers();
    doc.value = "Europe/Berlin";
    view = await render(<Field parse={parseZone} pauseMs={1000} />);
    await acting(() => input().focus());
    await typeInto(input(), "America/New_");
    await acting(() => void vi.advanceTimersByTime(1500));
    expect(doc.commits).toEqual([]); // not a zone: waits, and now says why
    expect(text()).toMatch(/Unknown time zone/);
    await typeInto(input(), "America/New_York");
    await acting(() => void vi.advanceTimersByTime(500));
    expect(doc.commits).toEqual([]);
    await acting(() => void vi.advanceTimersByTime(600));
    expect(doc.commits).toEqual(["America/New_York"]);
    expect(text()).not.toMatch(/Unknown time zone/);
  });

  it("a remote change to the field while typing does not wipe the draft; it is shown, and can be taken", async () => {
    doc.value = "Europe/Berlin";
    view = await render(<Field parse={parseZone} />);
    await acting(() => input().focus());
    await typeInto(input(), "America/New");
    await acting(() => doc.setFromElsewhere("Asia/Tokyo"));
    expect(input().value).toBe("America/New");
    expect(text()).toMatch(/Someone else changed this to “Asia\/Tokyo”/);
    const button = [...view.container.querySelectorAll("button")].find((b) => b.textContent === "Use theirs") as HTMLButtonElement;
    await acting(() => button.click());
    expect(input().value).toBe("Asia/Tokyo");
    expect(text()).not.toMatch(/Someone else/);
    expect(doc.commits).toEqual([]);
  });

  it("a draft that leaves the screen unstored comes back with the field", async () => {
    view = await render(<Field parse={parseCron} parkKey="settings:schedule" />);
    await acting(() => input().focus());
    await typeInto(input(), "15 7 *");
    await view.unmount();
    view = await render(<Field parse={parseCron} parkKey="settings:schedule" />);
    expect(input().value).toBe("15 7 *");
    expect(text()).toMatch(/not a five-field cron expression/);
    expect(doc.commits).toEqual([]);
  });

  it("Ctrl+S stores the open field's draft and reports one that cannot be stored", async () => {
    view = await render(<Field parse={parseCron} />);
    await acting(() => input().focus());
    await typeInto(input(), "0 7 * * *");
    let left = -1;
    await acting(() => void (left = flushDrafts()));
    expect(left).toBe(0);
    expect(doc.commits).toEqual(["0 7 * * *"]);
    await typeInto(input(), "0 7 *");
    await acting(() => void (left = flushDrafts()));
    expect(left).toBe(1);
  });
});

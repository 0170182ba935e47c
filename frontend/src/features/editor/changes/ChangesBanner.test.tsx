import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { ChangesBanner } from "./ChangesBanner";

const hide = () => {};

describe("ChangesBanner", () => {
  it("names the version, counts each mark in the legend, lists removed steps and offers the way out", () => {
    const html = renderToStaticMarkup(
      <ChangesBanner since={3} error={null} hide={hide} changes={{ marks: { filter: "changed", chart: "added", join: "changed" }, removed: [{ id: "export", type: "load.csv" }] }} />,
    );

    expect(html).toContain("Changes since v3");
    expect(html).toContain(`<span class="change-tag added">added</span> 1`);
    expect(html).toContain(`<span class="change-tag changed">changed</span> 2`);
    expect(html).toContain("Removed (no longer on the canvas): export (load.csv)");
    expect(html).toContain("Hide changes");
  });

  it("says when nothing differs, and shows nothing at all outside the mode", () => {
    expect(renderToStaticMarkup(<ChangesBanner since={5} error={null} hide={hide} changes={{ marks: {}, removed: [] }} />)).toContain("No step differs from v5.");
    expect(renderToStaticMarkup(<ChangesBanner since={null} error={null} hide={hide} changes={null} />)).toBe("");
  });
});

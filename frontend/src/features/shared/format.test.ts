import { describe, expect, it } from "vitest";
import { countOf, formatDateTime } from "./format";

describe("formatting", () => {
  it("every time says its zone", () => {
    expect(formatDateTime("2025-03-31T04:00:00Z", "Europe/Berlin")).toBe("31 Mar 2025, 06:00 CEST");
    expect(formatDateTime("2025-01-15T12:30:00Z", "UTC")).toBe("15 Jan 2025, 12:30 UTC");
    expect(formatDateTime(null)).toBe("—");
  });

  it("counts with the right plural", () => {
    expect(countOf(1, "workflow")).toBe("1 workflow");
    expect(countOf(0, "workflow")).toBe("0 workflows");
    expect(countOf(1200, "row")).toBe("1,200 rows");
  });
});

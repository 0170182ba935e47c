import { describe, expect, it } from "vitest";
import { capitalise, starterName } from "./people";

describe("who started a run", () => {
  const people = new Map([["0b4e-bea", { displayName: "Bea Builder", email: "bea@example.com" }]]);

  it("names people instead of showing their ids", () => {
    expect(starterName("0B4E-BEA", "0a1d-ada", people)).toEqual({ text: "Bea Builder", title: "bea@example.com" });
    expect(starterName("0a1d-ada", "0A1D-ADA", people).text).toBe("you");
    expect(starterName(null, "0a1d-ada", people).text).toBe("the scheduler");
  });

  it("says someone left rather than showing an id it cannot name", () => {
    const gone = starterName("5f3c2a9e-0000-4000-8000-000000000000", "0a1d-ada", people);
    expect(gone.text).toBe("a former collaborator");
    expect(JSON.stringify(gone)).not.toContain("5f3c2a9e");
    expect(capitalise(gone.text)).toBe("A former collaborator");
  });
});

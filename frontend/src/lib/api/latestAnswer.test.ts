import { describe, expect, it } from "vitest";
import { latestAnswer } from "./latestAnswer";

describe("latestAnswer", () => {
  it("drops an earlier answer that arrives after a later one", () => {
    const ask = latestAnswer();
    const shown: string[] = [];
    const first = ask()((v: string) => shown.push(v));
    const second = ask()((v: string) => shown.push(v));

    second("path is set");
    first("Missing required field(s) [\"path\"]");

    expect(shown).toEqual(["path is set"]);
  });

  it("hands on the answer when no later question was asked", () => {
    const ask = latestAnswer();
    const shown: number[] = [];
    ask()((n: number) => shown.push(n))(1);
    const again = ask()((n: number) => shown.push(n));
    again(2);
    expect(shown).toEqual([1, 2]);
  });
});

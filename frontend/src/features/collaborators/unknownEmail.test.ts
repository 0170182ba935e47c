import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/api/client";
import { unknownEmail } from "./CollaboratorsDialog";

describe("sharing with an e-mail nobody signed up with", () => {
  it("says that no account has it, instead of asking to correct highlighted values", () => {
    const e = new ApiError(400, { title: "Bad request", status: 400, detail: "No user has that e-mail address. Ask them to sign up first." });
    expect(unknownEmail(e, " bea@example.com ")).toBe("No account has the e-mail bea@example.com. Ask them to sign up first, then share again.");
    expect(unknownEmail(new ApiError(403, { detail: "Not allowed" }), "x@example.com")).toBeNull();
  });
});

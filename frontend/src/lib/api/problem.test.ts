import { describe, expect, it } from "vitest";
import { ApiError } from "./client";
import { describeError, workflowProblems } from "./problem";

describe("API errors in plain words", () => {
  it("explains a validation problem with its fields", () => {
    const e = new ApiError(400, { title: "One or more validation errors occurred.", errors: { email: ["is already registered"] } });
    const f = describeError(e, "sign up");
    expect(f.fields).toEqual(["email: is already registered"]);
    expect(f.action).toMatch(/Correct/);
  });

  it("a wrong password is not 'You are signed out'", () => {
    const refused = new ApiError(401, { title: "Sign-in failed", detail: "The e-mail address or the password is wrong." });
    expect(describeError(refused, "sign in").title).toBe("Wrong e-mail or password.");
    expect(describeError(new ApiError(401, {}), "save").title).toBe("You are signed out.");
  });

  it("points at highlighted values only when there are some", () => {
    const plain = describeError(new ApiError(400, { title: "Bad request", detail: "No user has that e-mail address. Ask them to sign up first." }), "share");
    expect(plain).toMatchObject({ title: "Some values are not accepted.", detail: "No user has that e-mail address. Ask them to sign up first." });
    expect(plain.action).not.toMatch(/highlighted/);
  });

  it("tells the user what to do when they lack a role or the server is unreachable", () => {
    expect(describeError(new ApiError(403, {}), "deploy").title).toBe("You are not allowed to deploy.");
    expect(describeError(new ApiError(0, {})).title).toMatch(/cannot be reached/);
    expect(describeError(new ApiError(412, {})).action).toMatch(/reload or save yours as a copy/);
  });

  it("never shows a stack trace from an unknown failure as the title", () => {
    const f = describeError(new Error("boom"), "save");
    expect(f.title).toBe("Could not save.");
  });

  it("reads the problems of an invalid workflow from a 400 answer, and nothing from other failures", () => {
    const problems = [{ pointer: "/spec/schedule", message: "The schedule 'H 0 * * *' is not accepted" }];
    expect(workflowProblems(new ApiError(400, { title: "The workflow is not valid", problems }))).toEqual(problems);
    expect(workflowProblems(new ApiError(400, { title: "Bad request" }))).toBeNull();
    expect(workflowProblems(new ApiError(500, { problems }))).toBeNull();
    expect(workflowProblems(new Error("offline"))).toBeNull();
  });
});

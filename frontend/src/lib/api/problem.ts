// Turns API failures into sentences a user understands, with what to do next.
import { ApiError } from "./client";
import type { ValidationProblem } from "./types";

export interface FriendlyError { title: string; detail?: string; action: string; fields?: string[] }

export function describeError(error: unknown, doing = "do that"): FriendlyError {
  if (!(error instanceof ApiError)) {
    return { title: `Could not ${doing}.`, detail: error instanceof Error ? error.message : undefined, action: "Try again; if it keeps happening, reload the page." };
  }
  const p = error.problem;
  const detail = p.detail && p.detail !== p.title ? p.detail : undefined;
  const fields = p.errors ? Object.entries(p.errors).flatMap(([k, msgs]) => msgs.map((m) => (k ? `${k}: ${m}` : m))) : undefined;
  switch (error.status) {
    case 0:
      return { title: "The WorkflowControl server cannot be reached.", action: "Check your connection or whether the API is running, then try again." };
    case 400:
    case 422:
      return {
        title: p.title && p.title.toLowerCase() !== "bad request" ? p.title : "Some values are not accepted.",
        detail,
        fields,
        action: fields?.length ? "Correct the values listed and try again." : "Correct it and try again.",
      };
    case 401:
      // Refused credentials are not an ended session: a sign-in answers 401 too.
      if (doing === "sign in") return { title: "Wrong e-mail or password.", action: "Check both and try again, or create an account if you have none." };
      return { title: "You are signed out.", detail, action: "Sign in again; your unsaved changes stay in this tab." };
    case 403:
      return { title: `You are not allowed to ${doing}.`, detail, action: "Ask the workflow's owner or a manager for a higher role." };
    case 404:
      return { title: "This no longer exists, or you have no access to it.", detail, action: "Go back to the dashboard and open it again." };
    case 409:
      return { title: p.title ?? "That conflicts with something that already exists.", detail, action: "Choose another name or reload to see the current state." };
    case 412:
      return { title: "Someone else saved this workflow in the meantime.", detail, action: "Review their changes, then reload or save yours as a copy." };
    case 428:
      return { title: "The save did not say which version it was based on.", detail, action: "Reload the workflow and save again." };
    case 429:
      return { title: "Too many requests at once.", detail, action: "Wait a few seconds and try again." };
    case 502:
    case 503:
    case 504:
      return { title: p.title ?? "Airflow or another service is not answering.", detail, action: "Try again in a minute; if it persists, tell your administrator." };
    default:
      return { title: p.title ?? `Could not ${doing}.`, detail, fields, action: error.status >= 500 ? "Try again; if it keeps happening, tell your administrator." : "Check what you entered and try again." };
  }
}

/** The workflow problems a 400 answer lists (validate, create, import, update), or null for any other failure. */
export function workflowProblems(error: unknown): ValidationProblem[] | null {
  if (!(error instanceof ApiError) || error.status !== 400) return null;
  const problems = error.problem.problems;
  return Array.isArray(problems) ? problems : null;
}

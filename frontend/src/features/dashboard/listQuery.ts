// What the dashboard asks GET /workflows for, and how it words each workflow's run facts.
import type { SortingState } from "@tanstack/react-table";
import type { WorkflowSummary } from "@/lib/api/types";
import { formatDateTime } from "@/features/shared/format";

export const PAGE_SIZE = 20;

/** One "State" select, answered by the server: the last run's state, or the deployment's. */
export const STATE_FILTERS = [
  { value: "", label: "Any" },
  { value: "run:success", label: "Last run succeeded" },
  { value: "run:failed", label: "Last run failed" },
  { value: "run:cancelled", label: "Last run cancelled" },
  { value: "run:running", label: "Running" },
  { value: "run:never", label: "Never run" },
  { value: "deployment:import_error", label: "Deploy failed" },
  { value: "deployment:none", label: "Not deployed" },
] as const;

export type StateFilter = (typeof STATE_FILTERS)[number]["value"];

export interface ListFilters {
  search: string;
  tag: string;
  owner: "all" | "mine" | "shared";
  state: StateFilter;
  sorting: SortingState;
  page: number;
}

function sortParam(sorting: SortingState): string {
  const s = sorting[0];
  if (!s) return "-updated";
  const key = s.id === "name" ? "name" : "updated";
  return s.desc ? `-${key}` : key;
}

/** Query parameters of GET /workflows; filtering happens on the server so paging and totals stay right. */
export function listParams(f: ListFilters, userId: string | undefined): Record<string, string | number | undefined> {
  const [kind, value] = f.state ? (f.state.split(":") as [string, string]) : [undefined, undefined];
  return {
    search: f.search,
    tag: f.tag,
    owner: f.owner === "mine" ? userId : undefined,
    shared: f.owner === "shared" ? "true" : undefined,
    state: kind === "run" ? value : undefined,
    deployment: kind === "deployment" ? value : undefined,
    sort: sortParam(f.sorting),
    page: f.page,
    pageSize: PAGE_SIZE,
  };
}

/** The "Next run" cell: a time, or why there is none. */
export function nextRunText(w: Pick<WorkflowSummary, "nextRunAt" | "deploymentState">): { text: string; muted: boolean; title?: string } {
  if (w.nextRunAt) return { text: formatDateTime(w.nextRunAt), muted: false };
  if (!w.deploymentState) return { text: "not deployed", muted: true };
  if (w.deploymentState === "import_error") return { text: "—", muted: true, title: "Airflow could not import the deployed version." };
  return { text: "none", muted: true, title: "Manual runs only, or paused in Airflow." };
}

/** The "Deployed" badge: Airflow's view of the deployed file in words. */
export function deploymentText(state: WorkflowSummary["deploymentState"]): string {
  switch (state) {
    case null:
    case undefined:
      return "not yet";
    case "written":
      return "waiting for Airflow";
    case "parsed":
      return "in Airflow";
    case "import_error":
      return "import error";
    default:
      return state.replace("_", " ");
  }
}

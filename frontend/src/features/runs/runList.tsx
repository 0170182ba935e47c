// The run history's list: the runs, and whether they are Airflow's answer or WorkflowControl's last view of them.
import { request } from "@/lib/api/client";
import type { RunPage, RunSummary } from "@/lib/api/types";

/** The response header the API sets when it answered from its database because Airflow could not be asked. */
export const AIRFLOW_UNREACHABLE_HEADER = "Airflow-Unreachable";

export interface RunList {
  runs: RunSummary[];
  /** True when Airflow was unreachable: the states are the last ones WorkflowControl saw and may be stale. */
  airflowUnreachable: boolean;
}

export async function fetchRunList(workflowId: string): Promise<RunList> {
  const response = await request<RunPage>(`/workflows/${workflowId}/runs`);
  return { runs: response.data.items, airflowUnreachable: response.headers.has(AIRFLOW_UNREACHABLE_HEADER) };
}

/** Says, above the list, that the states may be stale; nothing while Airflow answers. */
export function AirflowUnreachableNote({ shown }: { shown: boolean }) {
  if (!shown) return null;
  return (
    <p className="notice" role="status" data-testid="airflow-unreachable">
      Airflow is unreachable: showing WorkflowControl&apos;s last view
    </p>
  );
}

import type { Deployment } from "@/lib/api/types";

const STATE_TEXT: Record<string, string> = {
  written: "written, waiting for Airflow",
  parsed: "live in Airflow",
  import_error: "Airflow import error",
  superseded: "replaced by a newer one",
};

/**
 * A deployment's state where the editor shows it. With an import error, Airflow's error follows in words, as the API
 * gives them (the exception's last line and the line of the DAG file, no traceback, no server paths).
 */
/**
 * A DAG paused in Airflow (its UI, a reset, new DAGs start paused) runs nothing: its runs would wait for ever, so the
 * badge says so, with an Unpause button for people who may run the workflow (`onUnpause`).
 */
export function DeploymentBadge({ deployment, onUnpause }: {
  deployment: Pick<Deployment, "version" | "state" | "message"> & { pausedInAirflow?: boolean | null };
  onUnpause?: () => void;
}) {
  const { version, state, message } = deployment;
  const paused = state === "parsed" && deployment.pausedInAirflow === true;
  const error = state === "import_error" ? message ?? "Airflow gave no reason." : null;
  return (
    <>
      <span
        className={`badge ${state}`}
        data-testid="deploy-state"
        title={state === "written" ? "The DAG file is written; Airflow picks it up on its next scan of the dags folder." : error ? undefined : message ?? undefined}
      >
        v{version}: {STATE_TEXT[state] ?? state}
      </span>
      {paused && (
        <span className="row" role="status">
          <span className="badge paused" data-testid="paused-in-airflow" title="Airflow starts no run of a paused DAG; runs are refused until it is unpaused.">
            Paused in Airflow
          </span>
          {onUnpause && (
            <button type="button" className="small" onClick={onUnpause}>
              Unpause
            </button>
          )}
        </span>
      )}
      {error && (
        <span className="deploy-error" data-testid="deploy-error" role="status">
          {error}
        </span>
      )}
    </>
  );
}

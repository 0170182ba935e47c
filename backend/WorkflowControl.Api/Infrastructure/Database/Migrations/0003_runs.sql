-- Runs WorkflowControl started. The dag_run_id is chosen and stored before the first request to Airflow, so a
-- retried trigger resolves to the same run. Runs started by Airflow's scheduler or UI are read from Airflow.
CREATE TABLE runs (
    workflow_id  uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    dag_run_id   text NOT NULL,
    version      integer,
    params       jsonb NOT NULL DEFAULT '{}',
    state        text NOT NULL,
    triggered_by uuid REFERENCES users (id),
    message      text,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    PRIMARY KEY (workflow_id, dag_run_id)
);

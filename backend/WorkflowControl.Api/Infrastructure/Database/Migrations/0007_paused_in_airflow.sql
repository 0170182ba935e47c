-- Whether Airflow last said the deployed DAG is paused (its UI, a reset, dags_are_paused_at_creation): a paused DAG's
-- runs stay queued for ever, so the editor shows it and a trigger refuses. Null until WorkflowControl has asked.
ALTER TABLE deployments ADD COLUMN paused_in_airflow boolean;

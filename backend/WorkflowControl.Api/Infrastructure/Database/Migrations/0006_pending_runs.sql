-- A run exists here from the moment a trigger is accepted. reached_airflow is false until Airflow has the run (a
-- pending run, or one Airflow refused for good): such runs are listed and read from this table, not from Airflow.
-- idempotency_key lets a CI pipeline repeat a trigger and get the same run; cancelled_at keeps the word
-- "cancelled" for runs a user cancelled (Airflow only knows them as failed).
ALTER TABLE runs ADD COLUMN reached_airflow boolean NOT NULL DEFAULT true;
ALTER TABLE runs ADD COLUMN idempotency_key text;
ALTER TABLE runs ADD COLUMN cancelled_at timestamptz;
CREATE UNIQUE INDEX runs_idempotency_key ON runs (workflow_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX runs_not_in_airflow ON runs (workflow_id, created_at DESC) WHERE NOT reached_airflow;

-- Run changes the poller saved and has not yet pushed to browsers, written in the same transaction as the runs they
-- change. The poller deletes them once pushed; a poller that died in between leaves them to the next one, which pushes
-- them first: taking over loses no change.
CREATE TABLE run_outbox (
    id bigserial PRIMARY KEY,
    workflow_id uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    dag_run_id text NOT NULL,
    state text NOT NULL,
    change jsonb NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX run_outbox_run ON run_outbox (workflow_id, dag_run_id);

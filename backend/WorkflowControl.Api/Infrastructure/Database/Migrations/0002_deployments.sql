-- A deployment pins one workflow version to the DAG file written for it, and follows what Airflow made of it.
CREATE TABLE deployments (
    id           uuid PRIMARY KEY,
    workflow_id  uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    version      integer NOT NULL,
    state        text NOT NULL CHECK (state IN ('written', 'parsed', 'import_error', 'superseded')),
    file         text NOT NULL,
    content_hash text NOT NULL,
    active       boolean NOT NULL DEFAULT false,
    message      text,
    created_by   uuid NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    FOREIGN KEY (workflow_id, version) REFERENCES workflow_versions (workflow_id, version) ON DELETE CASCADE
);
CREATE INDEX deployments_workflow ON deployments (workflow_id, created_at DESC);
-- The deployment Airflow should be running for each workflow; followed until parsed or failed.
CREATE INDEX deployments_open ON deployments (state) WHERE state = 'written';

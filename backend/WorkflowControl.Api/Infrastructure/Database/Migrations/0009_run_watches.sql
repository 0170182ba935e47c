-- Which runs browsers are looking at, shared by every API instance: the one instance that polls Airflow fetches task
-- instances for these runs. A row lives while its instance renews it (Airflow:Tracking:WatchTimeout), so the watches
-- of an instance that died disappear by themselves.
CREATE TABLE run_watches (
    connection_id text NOT NULL,
    dag_id text NOT NULL,
    dag_run_id text NOT NULL,
    instance_id uuid NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (connection_id, dag_id, dag_run_id)
);
CREATE INDEX run_watches_instance ON run_watches (instance_id);
CREATE INDEX run_watches_expiry ON run_watches (expires_at);

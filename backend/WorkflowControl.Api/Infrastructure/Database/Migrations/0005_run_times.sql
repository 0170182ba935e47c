-- When Airflow started each run (the tracker fills it), and the index the dashboard's "last run" reads.
ALTER TABLE runs ADD COLUMN started_at timestamptz;
CREATE INDEX runs_latest ON runs (workflow_id, created_at DESC);

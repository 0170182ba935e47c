-- Git delivery (Dags:Delivery = GitBundle): the commit of the DAG repository that holds a deployment's file, which
-- Airflow 3 runs as the bundle version. Null with folder delivery.
ALTER TABLE deployments ADD COLUMN git_commit text;

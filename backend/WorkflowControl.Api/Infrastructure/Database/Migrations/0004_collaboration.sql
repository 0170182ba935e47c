-- Real-time collaboration (docs/collaboration.md). Presence and locks live here rather than in one process's
-- memory, so several API instances behind a load balancer agree on them.

-- One row per hub connection that joined a workflow. Rows of an instance that died stop being refreshed
-- and are ignored after a minute.
CREATE TABLE collab_sessions (
    connection_id text NOT NULL,
    workflow_id   uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    instance_id   uuid NOT NULL,
    selected_node text,
    joined_at     timestamptz NOT NULL,
    last_seen     timestamptz NOT NULL,
    PRIMARY KEY (workflow_id, connection_id)
);
CREATE INDEX collab_sessions_connection ON collab_sessions (connection_id);
CREATE INDEX collab_sessions_instance ON collab_sessions (instance_id);

-- Soft edit locks on a node's configuration: leases that their holder renews.
CREATE TABLE node_locks (
    workflow_id   uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    node_id       text NOT NULL,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    connection_id text NOT NULL,
    expires_at    timestamptz NOT NULL,
    PRIMARY KEY (workflow_id, node_id)
);
CREATE INDEX node_locks_connection ON node_locks (connection_id);

-- Every operation the hub accepted, with the version it produced. (client_id, client_seq) makes a
-- replayed operation idempotent: it returns its first outcome instead of being applied twice.
CREATE TABLE workflow_operations (
    workflow_id uuid NOT NULL,
    version     integer NOT NULL,
    client_id   text NOT NULL,
    client_seq  bigint NOT NULL,
    user_id     uuid NOT NULL REFERENCES users (id),
    operation   jsonb NOT NULL,
    applied_at  timestamptz NOT NULL,
    PRIMARY KEY (workflow_id, version),
    FOREIGN KEY (workflow_id, version) REFERENCES workflow_versions (workflow_id, version) ON DELETE CASCADE,
    UNIQUE (workflow_id, client_id, client_seq)
);

-- What makes a version out of a burst of edits (docs/collaboration.md, "Versions"): a name someone gave it, or the
-- fact that it restored an older one. Kept apart from workflow_versions, whose rows are never updated.
CREATE TABLE version_marks (
    workflow_id   uuid NOT NULL,
    version       integer NOT NULL,
    name          text,
    restored_from integer,
    marked_by     uuid NOT NULL REFERENCES users (id),
    marked_at     timestamptz NOT NULL,
    PRIMARY KEY (workflow_id, version),
    FOREIGN KEY (workflow_id, version) REFERENCES workflow_versions (workflow_id, version) ON DELETE CASCADE
);

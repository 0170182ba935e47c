-- WorkflowControl application data. Roles are stored as numbers so they compare in SQL:
-- 1 view, 2 execute, 3 edit, 4 manage (the owner is implied by workflows.owner_id).

CREATE TABLE app_settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    issuer        text NOT NULL,
    subject       text NOT NULL,
    email         text,
    display_name  text NOT NULL,
    password_hash text,
    created_at    timestamptz NOT NULL,
    UNIQUE (issuer, subject)
);
-- Local sign-in looks accounts up by e-mail; identity is still (issuer, subject).
CREATE UNIQUE INDEX users_local_email ON users (lower(email)) WHERE password_hash IS NOT NULL;

CREATE TABLE organisations (
    id         uuid PRIMARY KEY,
    name       text NOT NULL,
    created_by uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL
);

CREATE TABLE organisation_members (
    organisation_id uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            smallint NOT NULL CHECK (role BETWEEN 1 AND 4),
    added_at        timestamptz NOT NULL,
    PRIMARY KEY (organisation_id, user_id)
);

CREATE TABLE workflows (
    id              uuid PRIMARY KEY,
    owner_id        uuid NOT NULL REFERENCES users (id),
    organisation_id uuid REFERENCES organisations (id),
    key             text,
    name            text NOT NULL,
    description     text,
    tags            text[] NOT NULL DEFAULT '{}',
    current_version integer NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX workflows_owner_key ON workflows (owner_id, key) WHERE key IS NOT NULL;
CREATE INDEX workflows_organisation ON workflows (organisation_id) WHERE organisation_id IS NOT NULL;
CREATE INDEX workflows_owner ON workflows (owner_id);

-- Every save is an immutable version; nothing ever updates or deletes a row here except workflow deletion.
CREATE TABLE workflow_versions (
    workflow_id  uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    version      integer NOT NULL,
    -- json, not jsonb: the text is kept exactly as serialized, in the document's own field order.
    document     json NOT NULL,
    content_hash text NOT NULL,
    created_by   uuid NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (workflow_id, version)
);

CREATE TABLE workflow_collaborators (
    workflow_id uuid NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        smallint NOT NULL CHECK (role BETWEEN 1 AND 4),
    granted_by  uuid NOT NULL REFERENCES users (id),
    granted_at  timestamptz NOT NULL,
    PRIMARY KEY (workflow_id, user_id)
);
CREATE INDEX workflow_collaborators_user ON workflow_collaborators (user_id);

CREATE TABLE api_tokens (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name            text NOT NULL,
    token_hash      bytea NOT NULL UNIQUE,
    prefix          text NOT NULL,
    max_role        smallint NOT NULL CHECK (max_role BETWEEN 1 AND 4),
    organisation_id uuid REFERENCES organisations (id) ON DELETE CASCADE,
    workflow_ids    uuid[],
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    last_used_at    timestamptz
);

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor_id    uuid,
    token_id    uuid,
    action      text NOT NULL,
    workflow_id uuid,
    details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_workflow ON audit_log (workflow_id, at);

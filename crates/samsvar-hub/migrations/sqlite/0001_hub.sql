-- samsvar hub schema, SQLite dialect. Keep in step with ../postgres/0001_hub.sql:
-- the same tables, columns and indexes; only id columns and blob types differ.
-- Times are BIGINT milliseconds since the Unix epoch; flags are BIGINT 0/1.

CREATE TABLE organisations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    address TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('organiser', 'monitor', 'vendor', 'authority')),
    org_id BIGINT REFERENCES organisations(id),
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);

CREATE TABLE blobs (
    digest TEXT PRIMARY KEY,
    size BIGINT NOT NULL,
    bytes BLOB NOT NULL
);

CREATE TABLE suites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id BIGINT NOT NULL REFERENCES events(id),
    suite_id TEXT NOT NULL,
    title TEXT NOT NULL,
    version TEXT NOT NULL,
    digest TEXT NOT NULL,
    archive_digest TEXT NOT NULL REFERENCES blobs(digest),
    source_path TEXT NOT NULL,
    targets TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (event_id, suite_id)
);

CREATE TABLE suite_actors (
    suite_ref BIGINT NOT NULL REFERENCES suites(id),
    profile TEXT NOT NULL,
    actor TEXT NOT NULL,
    PRIMARY KEY (suite_ref, profile, actor)
);

CREATE TABLE systems (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id BIGINT NOT NULL REFERENCES events(id),
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    endpoints TEXT NOT NULL,
    sim_defects TEXT NOT NULL DEFAULT '[]',
    created_at BIGINT NOT NULL
);
CREATE INDEX systems_by_event ON systems (event_id, org_id);

CREATE TABLE system_actors (
    system_id BIGINT NOT NULL REFERENCES systems(id),
    profile TEXT NOT NULL,
    actor TEXT NOT NULL,
    PRIMARY KEY (system_id, profile, actor)
);

CREATE TABLE signing_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT REFERENCES organisations(id),
    kid TEXT NOT NULL,
    public_pem TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, kid)
);
CREATE INDEX signing_keys_by_kid ON signing_keys (kid);

CREATE TABLE runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id BIGINT NOT NULL REFERENCES events(id),
    system_id BIGINT NOT NULL REFERENCES systems(id),
    suite_ref BIGINT NOT NULL REFERENCES suites(id),
    suite_version TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('hub', 'upload')),
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'passed', 'failed', 'error', 'interrupted')),
    targets TEXT NOT NULL,
    sim_defects TEXT NOT NULL DEFAULT '[]',
    exit_code BIGINT,
    reason TEXT,
    attempt BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL DEFAULT 2,
    worker TEXT,
    lease_until BIGINT,
    queued_by BIGINT REFERENCES users(id),
    queued_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    bundle_digest TEXT REFERENCES blobs(digest),
    evidence_run_id TEXT,
    outcome TEXT,
    signer_kid TEXT,
    simulated BIGINT NOT NULL DEFAULT 0,
    complete BIGINT NOT NULL DEFAULT 1,
    summary TEXT,
    override_state TEXT,
    signed_off_by BIGINT REFERENCES users(id),
    signed_off_at BIGINT
);
CREATE INDEX runs_queue ON runs (state, id);
CREATE INDEX runs_latest ON runs (event_id, system_id, suite_ref, id);

CREATE TABLE run_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id BIGINT NOT NULL REFERENCES runs(id),
    attempt BIGINT NOT NULL,
    worker TEXT NOT NULL,
    started_at BIGINT,
    ended_at BIGINT NOT NULL,
    result TEXT NOT NULL,
    detail TEXT NOT NULL,
    bundle_digest TEXT REFERENCES blobs(digest)
);
CREATE INDEX run_attempts_by_run ON run_attempts (run_id);

CREATE TABLE run_requirements (
    run_id BIGINT NOT NULL REFERENCES runs(id),
    requirement TEXT NOT NULL,
    outcome TEXT NOT NULL,
    PRIMARY KEY (run_id, requirement)
);

CREATE TABLE reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id BIGINT NOT NULL REFERENCES runs(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('comment', 'override', 'signoff')),
    from_state TEXT,
    to_state TEXT,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX reviews_by_run ON reviews (run_id);

CREATE TABLE upload_refusals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT REFERENCES organisations(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE dossiers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES organisations(id),
    system_id BIGINT NOT NULL REFERENCES systems(id),
    title TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted')),
    created_by BIGINT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    submitted_at BIGINT,
    archive_digest TEXT REFERENCES blobs(digest)
);

CREATE TABLE dossier_runs (
    dossier_id BIGINT NOT NULL REFERENCES dossiers(id),
    run_id BIGINT NOT NULL REFERENCES runs(id),
    PRIMARY KEY (dossier_id, run_id)
);

CREATE TABLE dossier_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dossier_id BIGINT NOT NULL REFERENCES dossiers(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL CHECK (kind IN ('note', 'verification')),
    ok BIGINT,
    text TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Foundation: accounts, sessions, API keys, mini programs, members, tokens, quotas, audit.
-- Instants are unix seconds; booleans are 0/1.

-- One namespace for every account's email (clause 2.1), compared in canonical lower case.
CREATE TABLE email_claims (
    email      TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    owner_id   INTEGER NOT NULL
);

CREATE TABLE developers (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    email             TEXT NOT NULL UNIQUE,
    password_hash     TEXT,
    email_verified_at INTEGER,
    status            TEXT NOT NULL,
    role              TEXT NOT NULL,
    failed_sign_ins   INTEGER NOT NULL DEFAULT 0,
    locked_until      INTEGER,
    created_at        INTEGER NOT NULL
);

CREATE TABLE subjects (
    developer_id   INTEGER PRIMARY KEY REFERENCES developers(id),
    subject_type   TEXT NOT NULL,
    public_name    TEXT NOT NULL,
    sealed_details BLOB NOT NULL,
    verification   TEXT NOT NULL,
    updated_at     INTEGER NOT NULL
);

CREATE TABLE sign_in_links (
    hash         TEXT PRIMARY KEY,
    developer_id INTEGER NOT NULL REFERENCES developers(id),
    expires_at   INTEGER NOT NULL,
    used_at      INTEGER
);

CREATE TABLE end_users (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    email           TEXT NOT NULL UNIQUE,
    password_hash   TEXT NOT NULL,
    nickname        TEXT NOT NULL,
    avatar_key      TEXT,
    failed_sign_ins INTEGER NOT NULL DEFAULT 0,
    locked_until    INTEGER,
    created_at      INTEGER NOT NULL
);

CREATE TABLE sessions (
    hash         TEXT PRIMARY KEY,
    account_kind TEXT NOT NULL,
    account_id   INTEGER NOT NULL,
    csrf_token   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account_kind, account_id);

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    developer_id INTEGER NOT NULL REFERENCES developers(id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    scopes       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);
CREATE INDEX api_keys_by_developer ON api_keys (developer_id);

CREATE TABLE apps (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    appid             TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    name_key          TEXT NOT NULL UNIQUE,
    introduction      TEXT NOT NULL,
    icon_key          TEXT,
    contact_email     TEXT UNIQUE,
    status            TEXT NOT NULL,
    secret_hash       TEXT NOT NULL,
    secret_generation INTEGER NOT NULL,
    created_by        INTEGER NOT NULL REFERENCES developers(id),
    created_at        INTEGER NOT NULL
);

CREATE TABLE app_members (
    app_id       INTEGER NOT NULL REFERENCES apps(id),
    developer_id INTEGER NOT NULL REFERENCES developers(id),
    role         TEXT NOT NULL,
    added_at     INTEGER NOT NULL,
    PRIMARY KEY (app_id, developer_id)
);
CREATE INDEX app_members_by_developer ON app_members (developer_id);

CREATE TABLE app_invitations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id      INTEGER NOT NULL REFERENCES apps(id),
    email       TEXT NOT NULL,
    role        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  INTEGER NOT NULL REFERENCES developers(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    accepted_at INTEGER
);
CREATE INDEX app_invitations_by_app ON app_invitations (app_id);

CREATE TABLE access_tokens (
    hash          TEXT PRIMARY KEY,
    app_id        INTEGER NOT NULL REFERENCES apps(id),
    kind          TEXT NOT NULL,
    nonce         TEXT,
    forced        INTEGER NOT NULL,
    issued_at     INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    invalid_after INTEGER
);
CREATE INDEX access_tokens_by_app ON access_tokens (app_id, kind, issued_at);
-- The tokens a new one can supersede: issuing must not scan every token of the day.
CREATE INDEX access_tokens_unsuperseded ON access_tokens (app_id, kind) WHERE invalid_after IS NULL;

CREATE TABLE quota_usage (
    app_id INTEGER NOT NULL,
    api    TEXT NOT NULL,
    day    INTEGER NOT NULL,
    used   INTEGER NOT NULL,
    PRIMARY KEY (app_id, api, day)
);

CREATE TABLE quota_clears (
    app_id INTEGER NOT NULL,
    month  INTEGER NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (app_id, month)
);

CREATE TABLE request_records (
    rid           TEXT PRIMARY KEY,
    app_id        INTEGER NOT NULL,
    invoke_time   INTEGER NOT NULL,
    cost_in_ms    INTEGER NOT NULL,
    request_url   TEXT NOT NULL,
    request_body  TEXT NOT NULL,
    response_body TEXT NOT NULL,
    client_ip     TEXT NOT NULL
);
CREATE INDEX request_records_by_time ON request_records (invoke_time);

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Append-only and hash-chained: seq is assigned by the writer, never reused.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

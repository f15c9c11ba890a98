-- Background jobs (any kind): due at run_at, claimed with a lease (locked_until) that a worker
-- that dies lets expire, retried until max_attempts, then dead. Finished jobs are deleted.
CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT NOT NULL,
    app_id       INTEGER REFERENCES apps(id),
    payload      TEXT NOT NULL,
    state        TEXT NOT NULL,
    run_at       INTEGER NOT NULL,
    attempts     INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    locked_until INTEGER,
    last_error   TEXT,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER
);
CREATE INDEX jobs_due ON jobs (kind, state, run_at);

-- Push to the developer's server (wechat-api.md §9): one configuration per mini program.
-- Token and EncodingAESKey are sealed (AES-256-GCM, bound to the app).
CREATE TABLE push_configs (
    app_id         INTEGER PRIMARY KEY REFERENCES apps(id),
    url            TEXT NOT NULL,
    mode           TEXT NOT NULL,
    format         TEXT NOT NULL,
    sealed_secrets BLOB NOT NULL,
    verified_at    INTEGER NOT NULL,
    updated_by     INTEGER NOT NULL REFERENCES developers(id),
    updated_at     INTEGER NOT NULL
);

-- One row per delivery attempt of a pushed event.
CREATE TABLE push_deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id      INTEGER NOT NULL REFERENCES apps(id),
    event_id    TEXT NOT NULL,
    event       TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    outcome     TEXT NOT NULL,
    status_code INTEGER,
    error       TEXT,
    duration_ms INTEGER NOT NULL
);
CREATE INDEX push_deliveries_by_app ON push_deliveries (app_id, id);
CREATE INDEX push_deliveries_by_time ON push_deliveries (at);

-- Develop versions, the trial version and testers (issue 3).

-- One develop version per uploader slot ('member:<developer id>' or 'robot:<1-30>'); a new
-- upload replaces the slot's row. File list, package sizes and the validation report are JSON.
CREATE TABLE develop_versions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id         INTEGER NOT NULL REFERENCES apps(id),
    slot           TEXT NOT NULL,
    user_version   TEXT NOT NULL,
    description    TEXT NOT NULL,
    uploaded_by    INTEGER REFERENCES developers(id),
    upload_key_id  INTEGER,
    package_sha256 TEXT NOT NULL,
    zip_bytes      INTEGER NOT NULL,
    packages_json  TEXT NOT NULL,
    files_json     TEXT NOT NULL,
    report_json    TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    UNIQUE (app_id, slot)
);

-- The single trial version of an app: a copy of a develop version's metadata (no foreign key
-- to it: deleting the develop version keeps the trial).
CREATE TABLE trial_versions (
    app_id            INTEGER PRIMARY KEY REFERENCES apps(id),
    source_version_id INTEGER NOT NULL,
    slot              TEXT NOT NULL,
    user_version      TEXT NOT NULL,
    description       TEXT NOT NULL,
    uploaded_by       INTEGER REFERENCES developers(id),
    upload_key_id     INTEGER,
    package_sha256    TEXT NOT NULL,
    zip_bytes         INTEGER NOT NULL,
    packages_json     TEXT NOT NULL,
    files_json        TEXT NOT NULL,
    report_json       TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    chosen_by         INTEGER NOT NULL REFERENCES developers(id),
    chosen_at         INTEGER NOT NULL
);

-- Testers: end users allowed to open the trial version. userstr is derived (keyed hash) and
-- kept so unbind_tester can find the user by it.
CREATE TABLE app_testers (
    app_id      INTEGER NOT NULL REFERENCES apps(id),
    end_user_id INTEGER NOT NULL REFERENCES end_users(id),
    userstr     TEXT NOT NULL,
    bound_at    INTEGER NOT NULL,
    PRIMARY KEY (app_id, end_user_id),
    UNIQUE (app_id, userstr)
);
CREATE INDEX app_testers_by_user ON app_testers (end_user_id);

-- Upload keys (stored as SHA-256); allowed_ips is a space-separated list of CIDR blocks, empty
-- for any address.
CREATE TABLE upload_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id       INTEGER NOT NULL REFERENCES apps(id),
    label        TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    allowed_ips  TEXT NOT NULL,
    created_by   INTEGER NOT NULL REFERENCES developers(id),
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER
);
CREATE INDEX upload_keys_by_app ON upload_keys (app_id);

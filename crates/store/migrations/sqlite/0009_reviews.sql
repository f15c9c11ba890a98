-- Release review (clauses 2.4–2.6, wechat-api.md §7.2–7.3). A submission snapshots the trial
-- version it reviews (same columns as trial_versions), so later uploads change nothing under a
-- reviewer; the package blob stays referenced for as long as the review row exists.
--
-- state: checking (automated checks running) → queued (waiting for / with a human reviewer) →
-- approved | rejected; withdrawn by the developer (undocodeaudit) while checking or queued.
CREATE TABLE reviews (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id            INTEGER NOT NULL REFERENCES apps(id),
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
    submission_json   TEXT NOT NULL,
    state             TEXT NOT NULL,
    reason            TEXT,
    screenshots       TEXT NOT NULL,
    delayed_at        INTEGER,
    delay_reason      TEXT,
    submitted_by      INTEGER REFERENCES developers(id),
    submitted_at      INTEGER NOT NULL,
    decided_at        INTEGER
);
CREATE INDEX reviews_by_app ON reviews (app_id, id);
CREATE INDEX reviews_by_state ON reviews (state, submitted_at);
-- One open review per mini program (85009): the database, not a check first, decides.
CREATE UNIQUE INDEX reviews_one_open ON reviews (app_id) WHERE state IN ('checking', 'queued');

-- Media a mini program uploads for others to see: review screenshots and videos
-- (`/wxa/uploadmedia`) and temporary media such as qualification documents
-- (`/cgi-bin/media/upload`). The bytes are blobs; a media id expires after three days.
CREATE TABLE media (
    media_id     TEXT PRIMARY KEY,
    app_id       INTEGER NOT NULL REFERENCES apps(id),
    kind         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    blob_key     TEXT NOT NULL,
    bytes        INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX media_by_app ON media (app_id, created_at);
CREATE INDEX media_by_expiry ON media (expires_at);

-- Release, gray release, rollback, visit and search status (clauses 2.3–2.5, 4.12;
-- wechat-api.md §7.1 rows 9–13, 16–18, 25–26) and enforcement against released mini programs.
--
-- A release row snapshots the approved review's version (same columns as reviews), so the
-- package blob stays referenced while the row exists. The live version is the newest release
-- not reverted; a rollback stamps reverted_at on the releases after the one it returns to.
CREATE TABLE releases (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id            INTEGER NOT NULL REFERENCES apps(id),
    app_version       INTEGER NOT NULL,
    review_id         INTEGER NOT NULL REFERENCES reviews(id),
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
    released_at       INTEGER NOT NULL,
    released_by       INTEGER REFERENCES developers(id),
    reverted_at       INTEGER
);
CREATE UNIQUE INDEX releases_app_version ON releases (app_id, app_version);
-- A review is released at most once (85052): the database decides.
CREATE UNIQUE INDEX releases_one_per_review ON releases (app_id, review_id);
CREATE INDEX releases_by_package ON releases (package_sha256);

-- Gray release plans. status: running → finished (100 % or a full release) | reverted
-- (revertgrayrelease, or a release of another version); at most one running per mini program.
CREATE TABLE gray_release_plans (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id            INTEGER NOT NULL REFERENCES apps(id),
    review_id         INTEGER NOT NULL REFERENCES reviews(id),
    status            TEXT NOT NULL,
    percentage        INTEGER NOT NULL,
    debuger_first     INTEGER NOT NULL,
    experiencer_first INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX gray_release_plans_by_app ON gray_release_plans (app_id, id);
CREATE UNIQUE INDEX gray_release_plans_one_running ON gray_release_plans (app_id) WHERE status = 'running';

-- Service and search switches of a released mini program (change_visitstatus,
-- changewxasearchstatus); no row means running and searchable.
CREATE TABLE release_settings (
    app_id        INTEGER PRIMARY KEY REFERENCES apps(id),
    visit_paused  INTEGER NOT NULL,
    search_hidden INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- Enforcement by platform staff (clauses 2.5, 4.12). kind: ban | restrict_release |
-- rectification. A ban or restriction is in force until ends_at (NULL: permanent) unless
-- lifted; a rectification is open until resolved (done, or turned into a ban).
CREATE TABLE enforcement_actions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id      INTEGER NOT NULL REFERENCES apps(id),
    kind        TEXT NOT NULL,
    term        TEXT,
    reason      TEXT NOT NULL,
    ends_at     INTEGER,
    created_by  INTEGER NOT NULL REFERENCES developers(id),
    created_at  INTEGER NOT NULL,
    lifted_at   INTEGER,
    lifted_by   INTEGER REFERENCES developers(id),
    resolved_by_action INTEGER REFERENCES enforcement_actions(id)
);
CREATE INDEX enforcement_actions_by_app ON enforcement_actions (app_id, id);

-- One appeal per enforcement action.
CREATE TABLE appeals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    action_id    INTEGER NOT NULL UNIQUE REFERENCES enforcement_actions(id),
    app_id       INTEGER NOT NULL REFERENCES apps(id),
    text         TEXT NOT NULL,
    submitted_by INTEGER NOT NULL REFERENCES developers(id),
    submitted_at INTEGER NOT NULL,
    decision     TEXT NOT NULL,
    decided_by   INTEGER REFERENCES developers(id),
    decided_at   INTEGER,
    note         TEXT
);
CREATE INDEX appeals_by_decision ON appeals (decision, submitted_at);

-- Privacy settings (wechat-api.md §6): every saved version of a mini program's privacy guide,
-- per kind (`live` = privacy_ver 1, `development` = privacy_ver 2). The current settings are the
-- newest version; older versions stay so that consents keep pointing at what the user read.
CREATE TABLE privacy_policies (
    app_id     BIGINT NOT NULL REFERENCES apps (id),
    kind       TEXT NOT NULL,
    version    BIGINT NOT NULL,
    document   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, kind, version)
);

-- Custom privacy guide files (`uploadprivacyextfile`), stored as blobs.
CREATE TABLE privacy_ext_files (
    media_id   TEXT PRIMARY KEY,
    app_id     BIGINT NOT NULL REFERENCES apps (id),
    blob_key   TEXT NOT NULL,
    bytes      BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- A user's standing agreement to a privacy policy of a mini program (clause 4.4 (3)).
-- Withdrawal deletes the row; the history lives in consent_events.
CREATE TABLE privacy_consents (
    app_id      BIGINT NOT NULL REFERENCES apps (id),
    end_user_id BIGINT NOT NULL REFERENCES end_users (id),
    kind        TEXT NOT NULL,
    version     BIGINT NOT NULL,
    items       TEXT NOT NULL,
    channel     TEXT NOT NULL,
    agreed_at   BIGINT NOT NULL,
    PRIMARY KEY (app_id, end_user_id, kind)
);

CREATE INDEX privacy_consents_by_user ON privacy_consents (end_user_id);

-- Per-scope authorisations (`scope.userLocation` and friends): granted or refused.
CREATE TABLE scope_grants (
    app_id      BIGINT NOT NULL REFERENCES apps (id),
    end_user_id BIGINT NOT NULL REFERENCES end_users (id),
    scope       TEXT NOT NULL,
    granted     BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (app_id, end_user_id, scope)
);

-- Every consent, authorisation and withdrawal, as it happened.
CREATE TABLE consent_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id      BIGINT NOT NULL REFERENCES apps (id),
    end_user_id BIGINT NOT NULL REFERENCES end_users (id),
    action      TEXT NOT NULL,
    kind        TEXT,
    version     BIGINT,
    items       TEXT NOT NULL,
    channel     TEXT NOT NULL,
    at          BIGINT NOT NULL
);

CREATE INDEX consent_events_by_user ON consent_events (end_user_id, id);
CREATE INDEX consent_events_by_app ON consent_events (app_id, id);

-- Applications to use restricted privacy interfaces (wechat-api.md §6.4), reviewed by the
-- operator's staff.
CREATE TABLE privacy_interface_applications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id      BIGINT NOT NULL REFERENCES apps (id),
    api_name    TEXT NOT NULL,
    content     TEXT NOT NULL,
    url_list    TEXT NOT NULL,
    pic_list    TEXT NOT NULL,
    video_list  TEXT NOT NULL,
    status      TEXT NOT NULL,
    fail_reason TEXT,
    applied_at  BIGINT NOT NULL,
    decided_at  BIGINT,
    decided_by  BIGINT REFERENCES developers (id)
);

CREATE INDEX privacy_interface_applications_by_app ON privacy_interface_applications (app_id, api_name, id);
-- One application per interface under review at a time.
CREATE UNIQUE INDEX privacy_interface_applications_one_applying
    ON privacy_interface_applications (app_id, api_name) WHERE status = 'applying';
CREATE INDEX privacy_interface_applications_by_status ON privacy_interface_applications (status, id);

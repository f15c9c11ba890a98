-- Mini program codes (QR codes): what each ticket opens (wechat-api.md §4.1).
CREATE TABLE codes (
    ticket      TEXT PRIMARY KEY,
    app_id      BIGINT NOT NULL REFERENCES apps (id),
    kind        TEXT NOT NULL,
    page        TEXT NOT NULL,
    query       TEXT NOT NULL,
    scene       TEXT,
    env_version TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE INDEX codes_by_app ON codes (app_id);

-- Codes made by getwxacode + createwxaqrcode, per app, ever (the 45029 lifetime cap).
CREATE TABLE code_counts (
    app_id BIGINT PRIMARY KEY REFERENCES apps (id),
    used   BIGINT NOT NULL
);

-- URL Schemes and URL Links (wechat-api.md §4.2, §4.3): expiring tickets for a page + query.
CREATE TABLE links (
    ticket      TEXT PRIMARY KEY,
    app_id      BIGINT NOT NULL REFERENCES apps (id),
    kind        TEXT NOT NULL,
    page        TEXT NOT NULL,
    query       TEXT NOT NULL,
    env_version TEXT NOT NULL,
    cloud_base  TEXT,
    created_at  BIGINT NOT NULL,
    expire_at   BIGINT NOT NULL
);

CREATE INDEX links_by_app ON links (app_id, created_at);

-- Daily counts per app: links generated (44993) and opened (85406).
CREATE TABLE link_counts (
    app_id BIGINT NOT NULL REFERENCES apps (id),
    day    BIGINT NOT NULL,
    event  TEXT NOT NULL,
    used   BIGINT NOT NULL,
    PRIMARY KEY (app_id, day, event)
);

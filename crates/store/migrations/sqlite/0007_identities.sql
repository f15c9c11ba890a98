-- End-user identities (issue 5): native hosts and their users, service users (openid, unionid,
-- sealed session key), single-use login and phone-number codes, blocked users and phone numbers.

-- Blocked users cannot log in to any mini program (40226). Phone numbers are "+<cc> <national>".
ALTER TABLE end_users ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE end_users ADD COLUMN phone TEXT;

-- Native host apps registered by an operator (created_by; NULL: on the command line); the
-- secret is stored as SHA-256.
CREATE TABLE hosts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    host_key    TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_by  INTEGER REFERENCES developers(id),
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

-- A host names its users by its own ids; each is one end user.
CREATE TABLE host_users (
    host_id     INTEGER NOT NULL REFERENCES hosts(id),
    external_id TEXT NOT NULL,
    end_user_id INTEGER NOT NULL UNIQUE REFERENCES end_users(id),
    PRIMARY KEY (host_id, external_id)
);

-- An end user who logged in to a mini program. The session key is sealed (AES-256-GCM).
CREATE TABLE service_users (
    app_id                INTEGER NOT NULL REFERENCES apps(id),
    end_user_id           INTEGER NOT NULL REFERENCES end_users(id),
    openid                TEXT NOT NULL UNIQUE,
    unionid               TEXT NOT NULL,
    first_seen            INTEGER NOT NULL,
    last_login            INTEGER NOT NULL,
    session_key           BLOB,
    session_key_issued_at INTEGER,
    PRIMARY KEY (app_id, end_user_id)
);
CREATE INDEX service_users_by_user ON service_users (end_user_id);

-- wx.login codes and phone-number codes: stored as SHA-256, single use, short-lived.
CREATE TABLE user_codes (
    hash        TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    app_id      INTEGER NOT NULL REFERENCES apps(id),
    end_user_id INTEGER NOT NULL REFERENCES end_users(id),
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER
);
CREATE INDEX user_codes_by_expiry ON user_codes (expires_at);

-- Content security (wechat-api.md §5.1): the operator's term list. term_key is the term as the
-- matcher normalises it (NFKC, lowercase, letters and digits only), so look-alikes are one term.
CREATE TABLE content_terms (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    term       TEXT NOT NULL,
    term_key   TEXT NOT NULL UNIQUE,
    label      INTEGER NOT NULL,
    suggest    TEXT NOT NULL,
    created_by INTEGER REFERENCES developers(id),
    created_at INTEGER NOT NULL
);
-- Bumped by every change of the list; nodes rebuild their compiled list when it moves.
CREATE TABLE content_term_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO content_term_generation (id, generation) VALUES (1, 1);
-- A small default list of common spam and fraud phrases.
INSERT INTO content_terms (term, term_key, label, suggest, created_by, created_at) VALUES
    ('加微信领红包', '加微信领红包', 10001, 'risky', NULL, 0),
    ('刷单', '刷单', 20008, 'risky', NULL, 0),
    ('代开发票', '代开发票', 20006, 'risky', NULL, 0),
    ('赌博', '赌博', 20006, 'review', NULL, 0),
    ('free money', 'freemoney', 20008, 'review', NULL, 0),
    ('click here to win', 'clickheretowin', 20008, 'risky', NULL, 0);

-- Server and web-view domains (§7.1 rows 22–24), one row per mini program; lists are JSON.
-- revision guards concurrent saves; modifications counts modify_domain changes in month.
CREATE TABLE app_domains (
    app_id               INTEGER PRIMARY KEY REFERENCES apps(id),
    server_domains       TEXT NOT NULL,
    webview_domains      TEXT NOT NULL,
    revision             INTEGER NOT NULL,
    month                INTEGER NOT NULL,
    modifications        INTEGER NOT NULL,
    confirm_file_name    TEXT,
    confirm_file_content TEXT,
    updated_at           INTEGER NOT NULL
);

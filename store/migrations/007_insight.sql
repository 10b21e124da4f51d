-- What followers ask, for the insight report: one row a message, with its normalized
-- query, the language and kind of the answer, the items answered and how long it took.
-- A follower is a keyed hash (HMAC-SHA-256 with the account's salt below), never the
-- OpenID, so that `wxpub forget OPENID` can find their rows and nothing else can.
-- Rows older than insight.retention are deleted by a daily job.
CREATE TABLE queries (
    account    TEXT    NOT NULL DEFAULT '',
    at         BIGINT  NOT NULL,           -- Unix milliseconds
    follower   TEXT    NOT NULL,           -- keyed hash of the OpenID
    query      TEXT    NOT NULL,           -- normalized, at most 64 characters
    lang       TEXT    NOT NULL,           -- zh or en
    outcome    TEXT    NOT NULL,           -- items, partial, no_match, latest, help, …
    items      TEXT    NOT NULL DEFAULT '', -- item IDs answered, comma-separated
    latency_us BIGINT  NOT NULL DEFAULT 0
);

CREATE INDEX queries_at ON queries (account, at);
CREATE INDEX queries_follower ON queries (account, follower);

-- The per-account salt of the follower hashes: a hash means nothing without it.
CREATE TABLE insight_salts (
    account TEXT PRIMARY KEY,
    salt    TEXT NOT NULL
);

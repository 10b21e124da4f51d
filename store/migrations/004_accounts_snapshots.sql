-- Every row that holds something of an official account (a media ID, a draft, a
-- publication, an upload, a publish lease) names the account (its AppID) in its key, so
-- that a second account is a second value, not a new meaning. Rows from before belong to
-- the account '' until the first run for an account claims them (store.ClaimAccount).
-- The tables are rebuilt because SQLite cannot change a primary key in place.

CREATE TABLE uploads_v4 (
    account    TEXT   NOT NULL DEFAULT '',
    hash       TEXT   NOT NULL,
    kind       TEXT   NOT NULL,
    url        TEXT   NOT NULL,
    media_id   TEXT   NOT NULL DEFAULT '',
    name       TEXT   NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account, hash, kind)
);
INSERT INTO uploads_v4 (account, hash, kind, url, media_id, name, created_at)
    SELECT '', hash, kind, url, media_id, name, created_at FROM uploads;
DROP TABLE uploads;
ALTER TABLE uploads_v4 RENAME TO uploads;

CREATE TABLE publications_v4 (
    account            TEXT    NOT NULL DEFAULT '',
    issue_number       INTEGER NOT NULL,
    step               TEXT    NOT NULL,
    source_hash        TEXT    NOT NULL DEFAULT '',
    snapshot_id        TEXT    NOT NULL DEFAULT '',  -- the snapshot last published from
    content_hash       TEXT    NOT NULL DEFAULT '',
    cover_media_id     TEXT    NOT NULL DEFAULT '',
    draft_media_id     TEXT    NOT NULL DEFAULT '',
    draft_started_at   BIGINT  NOT NULL DEFAULT 0,
    previewed          TEXT    NOT NULL DEFAULT '',
    publish_id         BIGINT  NOT NULL DEFAULT 0,
    publish_hash       TEXT    NOT NULL DEFAULT '',
    publish_started_at BIGINT  NOT NULL DEFAULT 0,
    publish_status     INTEGER NOT NULL DEFAULT -1,
    article_id         TEXT    NOT NULL DEFAULT '',
    article_url        TEXT    NOT NULL DEFAULT '',
    msg_data_id        BIGINT  NOT NULL DEFAULT 0,
    clientmsgid        TEXT    NOT NULL DEFAULT '',
    mass_msg_id        BIGINT  NOT NULL DEFAULT 0,
    mass_msg_data_id   BIGINT  NOT NULL DEFAULT 0,
    updated_at         BIGINT  NOT NULL,
    PRIMARY KEY (account, issue_number)
);
INSERT INTO publications_v4 (account, issue_number, step, source_hash, content_hash, cover_media_id, draft_media_id,
        draft_started_at, previewed, publish_id, publish_hash, publish_started_at, publish_status, article_id, article_url,
        msg_data_id, clientmsgid, mass_msg_id, mass_msg_data_id, updated_at)
    SELECT '', issue_number, step, source_hash, content_hash, cover_media_id, draft_media_id,
        draft_started_at, previewed, publish_id, publish_hash, publish_started_at, publish_status, article_id, article_url,
        msg_data_id, clientmsgid, mass_msg_id, mass_msg_data_id, updated_at FROM publications;
DROP TABLE publications;
ALTER TABLE publications_v4 RENAME TO publications;

CREATE TABLE publish_leases_v4 (
    account      TEXT    NOT NULL DEFAULT '',
    issue_number INTEGER NOT NULL,
    owner        TEXT    NOT NULL,
    host         TEXT    NOT NULL,
    pid          INTEGER NOT NULL,
    holder       TEXT    NOT NULL,
    since        BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    PRIMARY KEY (account, issue_number)
);
INSERT INTO publish_leases_v4 (account, issue_number, owner, host, pid, holder, since, expires_at)
    SELECT '', issue_number, owner, host, pid, holder, since, expires_at FROM publish_leases;
DROP TABLE publish_leases;
ALTER TABLE publish_leases_v4 RENAME TO publish_leases;

-- An issue as it was imported: its Markdown and every image it names, so that publishing
-- reads the store only (a server can publish with no access to the source's folder).
-- Assets are content-addressed; a snapshot maps each image as written to its asset.
CREATE TABLE assets (
    hash       TEXT   PRIMARY KEY,   -- SHA-256 of data
    data       BYTEA  NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE snapshots (
    id           TEXT    PRIMARY KEY,   -- SHA-256 of the name, the source and its assets
    issue_number INTEGER NOT NULL,
    name         TEXT    NOT NULL,      -- the file it came from, for messages
    source       TEXT    NOT NULL,
    assets       TEXT    NOT NULL,      -- JSON {"images/a.png": "<hash>", …}
    created_at   BIGINT  NOT NULL
);

CREATE INDEX snapshots_issue ON snapshots (issue_number, created_at);

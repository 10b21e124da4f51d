-- Issues as parsed, with their items; the images already uploaded; and each issue's
-- publication, one row recording how far publishing got. Types are kept to what SQLite and
-- PostgreSQL share; times are Unix seconds.

CREATE TABLE issues (
    number      INTEGER PRIMARY KEY,
    source_hash TEXT    NOT NULL,
    path        TEXT    NOT NULL,
    date        TEXT    NOT NULL,
    title_zh    TEXT    NOT NULL,
    title_en    TEXT    NOT NULL,
    model       TEXT    NOT NULL,               -- the parsed issue, as `wxpub inspect` prints it
    source      TEXT    NOT NULL,               -- the Markdown it was parsed from
    article_url TEXT    NOT NULL DEFAULT '',    -- where followers read it, once known
    cover_url   TEXT    NOT NULL DEFAULT '',
    updated_at  BIGINT  NOT NULL
);

CREATE TABLE items (
    id           TEXT    PRIMARY KEY,           -- "<number>-<position>"
    issue_number INTEGER NOT NULL REFERENCES issues (number) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    section_zh   TEXT    NOT NULL,
    section_en   TEXT    NOT NULL,
    title_zh     TEXT    NOT NULL,
    title_en     TEXT    NOT NULL,
    body_zh      TEXT    NOT NULL,
    body_en      TEXT    NOT NULL
);

CREATE INDEX items_issue ON items (issue_number, position);

-- An image is uploaded once per kind: 'content' (uploadimg → url) or 'cover'
-- (add_material → media_id and url). hash is the SHA-256 of the source image's bytes.
CREATE TABLE uploads (
    hash       TEXT   NOT NULL,
    kind       TEXT   NOT NULL,
    url        TEXT   NOT NULL,
    media_id   TEXT   NOT NULL DEFAULT '',
    name       TEXT   NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (hash, kind)
);

CREATE TABLE publications (
    issue_number       INTEGER PRIMARY KEY,
    step               TEXT    NOT NULL,
    source_hash        TEXT    NOT NULL DEFAULT '',
    content_hash       TEXT    NOT NULL DEFAULT '',  -- of the article as last sent to the draft
    cover_media_id     TEXT    NOT NULL DEFAULT '',
    draft_media_id     TEXT    NOT NULL DEFAULT '',
    draft_started_at   BIGINT  NOT NULL DEFAULT 0,   -- draft/add sent, answer not yet stored
    previewed          TEXT    NOT NULL DEFAULT '',  -- "recipient content_hash" lines
    publish_id         BIGINT  NOT NULL DEFAULT 0,
    publish_hash       TEXT    NOT NULL DEFAULT '',  -- content_hash submitted for publishing
    publish_started_at BIGINT  NOT NULL DEFAULT 0,
    publish_status     INTEGER NOT NULL DEFAULT -1,
    article_id         TEXT    NOT NULL DEFAULT '',
    article_url        TEXT    NOT NULL DEFAULT '',
    msg_data_id        BIGINT  NOT NULL DEFAULT 0,
    clientmsgid        TEXT    NOT NULL DEFAULT '',
    mass_msg_id        BIGINT  NOT NULL DEFAULT 0,
    mass_msg_data_id   BIGINT  NOT NULL DEFAULT 0,
    updated_at         BIGINT  NOT NULL
);

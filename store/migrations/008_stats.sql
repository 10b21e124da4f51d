-- Figures fetched from the data-analytics API, one row a day: followers (new, cancelled,
-- cumulative) and each article's reads and shares. A day fetched again replaces its row.
CREATE TABLE stats_followers (
    account    TEXT    NOT NULL DEFAULT '',
    day        TEXT    NOT NULL,  -- YYYY-MM-DD, Beijing time
    new_user   INTEGER NOT NULL DEFAULT 0,
    cancel     INTEGER NOT NULL DEFAULT 0,
    cumulative INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account, day)
);

CREATE TABLE stats_articles (
    account TEXT    NOT NULL DEFAULT '',
    day     TEXT    NOT NULL,
    msgid   TEXT    NOT NULL,
    title   TEXT    NOT NULL,
    reads   INTEGER NOT NULL DEFAULT 0,
    shares  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account, day, msgid)
);

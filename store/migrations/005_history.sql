-- The audit trail: every step that changed something on an account (a draft made, a
-- preview sent, an article published, replaced or sent to all, a job scheduled or
-- cancelled, an approval), with who did it. Rows are only ever added. at is Unix
-- milliseconds; seq orders events of one millisecond.
CREATE TABLE events (
    account      TEXT    NOT NULL DEFAULT '',
    issue_number INTEGER NOT NULL,
    at           BIGINT  NOT NULL,
    seq          BIGINT  NOT NULL,
    actor        TEXT    NOT NULL,
    action       TEXT    NOT NULL,   -- drafted, previewed, published, replaced, broadcast, scheduled, …
    detail       TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX events_issue ON events (account, issue_number, at, seq);

-- A second person's sign-off on one snapshot of an issue, which a mass send may require
-- (publish.require_approval). A changed issue is a new snapshot and needs a new approval.
CREATE TABLE approvals (
    account      TEXT    NOT NULL DEFAULT '',
    issue_number INTEGER NOT NULL,
    snapshot_id  TEXT    NOT NULL,
    approver     TEXT    NOT NULL,
    at           BIGINT  NOT NULL,
    PRIMARY KEY (account, issue_number, snapshot_id, approver)
);

-- Articles a correction replaced, still to delete (freepublish/delete): kept until the
-- deletion is confirmed, so that a run that died after publishing the correction deletes
-- them when run again. Article IDs, one per line.
ALTER TABLE publications ADD COLUMN retired TEXT NOT NULL DEFAULT '';

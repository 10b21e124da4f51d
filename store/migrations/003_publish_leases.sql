-- A publish run's claim on an issue, so that two runs (two staff, or a rerun beside a run
-- still going) never publish it twice. The holder renews expires_at while it runs; a
-- lease whose holder died is taken over once it has expired. Times are Unix milliseconds.
CREATE TABLE publish_leases (
    issue_number INTEGER PRIMARY KEY,
    owner        TEXT    NOT NULL,   -- the run's random id
    host         TEXT    NOT NULL,
    pid          INTEGER NOT NULL,
    holder       TEXT    NOT NULL,   -- who ran it (the OS user), for the waiting message
    since        BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL
);

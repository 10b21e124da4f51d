-- A revision that changes on every write of an issue (its time in nanoseconds), so that
-- servers can tell which issues changed since they last looked, even within one second.
ALTER TABLE issues ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

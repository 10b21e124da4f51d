-- The index asks for every issue's revision, often; the rows also hold each issue's source
-- and model, so the scan read megabytes. An index covering (number, revision) answers it.
CREATE INDEX issues_revision ON issues (number, revision);

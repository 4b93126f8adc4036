-- The conversation export: tickets by creation time, each page one index range read oldest
-- first (ties by id), of the workspace or of one team.

-- Milliseconds since the Unix epoch, written with the ticket; existing rows take it from the
-- body's RFC 3339 time (whole seconds, then the first three digits of the fraction).
ALTER TABLE tickets ADD COLUMN created_ms INTEGER;
UPDATE tickets SET created_ms = (
    SELECT CAST(strftime('%s', c) AS INTEGER) * 1000 + CASE WHEN instr(c, '.') > 0
        THEN CAST(substr(rtrim(substr(c, instr(c, '.') + 1), 'Z') || '000', 1, 3) AS INTEGER)
        ELSE 0 END
    FROM (SELECT json_extract(body, '$.created_at') AS c)
);

CREATE INDEX tickets_by_created ON tickets (workspace, created_ms, id);
CREATE INDEX tickets_by_team_created ON tickets (workspace, team, created_ms, id);

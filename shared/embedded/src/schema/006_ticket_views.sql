-- The console's ticket views, each one index range read newest activity first (ties by id),
-- and the per-status counters every ticket write keeps.

-- The status group: `open` (queued, assigned, pending, snoozed), `bot`, `done` (resolved,
-- closed). Computed, so writes need not know it.
ALTER TABLE tickets ADD COLUMN grp TEXT GENERATED ALWAYS AS (
    CASE status WHEN 'bot' THEN 'bot' WHEN 'resolved' THEN 'done' WHEN 'closed' THEN 'done'
    ELSE 'open' END
) VIRTUAL;
ALTER TABLE tickets ADD COLUMN customer TEXT GENERATED ALWAYS AS (
    json_extract(body, '$.customer')
) VIRTUAL;
-- The customer's name as searched (trimmed, lower case), written with the ticket; existing
-- rows get SQLite's lower(), which folds ASCII only, until their next write.
ALTER TABLE tickets ADD COLUMN name_key TEXT;
UPDATE tickets SET name_key = lower(trim(json_extract(body, '$.customer_name')));

DROP INDEX tickets_by_update;
DROP INDEX tickets_by_assignee;
CREATE INDEX tickets_by_update ON tickets (workspace, updated_at, id);
CREATE INDEX tickets_by_status ON tickets (workspace, status, updated_at, id);
CREATE INDEX tickets_by_group ON tickets (workspace, grp, updated_at, id);
CREATE INDEX tickets_by_team ON tickets (workspace, team, updated_at, id);
CREATE INDEX tickets_by_team_status ON tickets (workspace, team, status, updated_at, id);
CREATE INDEX tickets_by_team_group ON tickets (workspace, team, grp, updated_at, id);
CREATE INDEX tickets_by_assignee ON tickets (workspace, assignee, updated_at, id);
CREATE INDEX tickets_by_assignee_status ON tickets (workspace, assignee, status, updated_at, id);
CREATE INDEX tickets_by_assignee_group ON tickets (workspace, assignee, grp, updated_at, id);
CREATE INDEX tickets_by_customer ON tickets (workspace, customer, updated_at, id);
CREATE INDEX tickets_by_name ON tickets (workspace, name_key);

-- Tickets per workspace, team ('' for none) and status.
CREATE TABLE ticket_counts (
    workspace TEXT NOT NULL,
    team      TEXT NOT NULL,
    status    TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (workspace, team, status)
) WITHOUT ROWID;
INSERT INTO ticket_counts (workspace, team, status, n)
    SELECT workspace, COALESCE(team, ''), status, COUNT(*) FROM tickets
    GROUP BY workspace, COALESCE(team, ''), status;

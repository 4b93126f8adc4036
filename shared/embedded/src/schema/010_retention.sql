-- Retention: when a done ticket and a conversation expire under their workspace's retention
-- (nanoseconds since the epoch; NULL: kept), each with an index of only the rows that
-- expire, so the sweep reads the due ones first and never scans a table.
ALTER TABLE tickets ADD COLUMN expires_at INTEGER;
CREATE INDEX tickets_by_expiry ON tickets (expires_at) WHERE expires_at IS NOT NULL;
ALTER TABLE conversations ADD COLUMN expires_at INTEGER;
CREATE INDEX conversations_by_expiry ON conversations (expires_at) WHERE expires_at IS NOT NULL;
-- Erasing a customer deletes the number-change events that name them: the workspace's
-- events of that one name, found without reading the others.
CREATE INDEX events_by_name ON events (workspace, name);

-- The agent API's records (quick replies, customer profiles, settings) and the change feed
-- the console polls for live updates.

CREATE TABLE records (
    workspace TEXT NOT NULL,
    kind      TEXT NOT NULL,
    key       TEXT NOT NULL,
    version   INTEGER NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (workspace, kind, key)
) WITHOUT ROWID;

-- `cursor` starts with the change's time (fixed-width nanoseconds), so it sorts in time order.
CREATE TABLE changes (
    workspace TEXT NOT NULL,
    cursor    TEXT NOT NULL,
    at        INTEGER NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (workspace, cursor)
) WITHOUT ROWID;
CREATE INDEX changes_by_age ON changes (at);

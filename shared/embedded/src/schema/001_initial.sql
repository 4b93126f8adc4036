-- Every key starts with the workspace. Domain records are JSON (`body`); the other columns are
-- copies of the fields the adapters query by, rewritten on every write of the record.
-- Timestamps are integers: nanoseconds since the Unix epoch in the store, milliseconds in the
-- queues.

CREATE TABLE conversations (
    workspace TEXT NOT NULL,
    customer  TEXT NOT NULL,
    version   INTEGER NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (workspace, customer)
) WITHOUT ROWID;

CREATE TABLE tickets (
    seq        INTEGER PRIMARY KEY,
    workspace  TEXT NOT NULL,
    id         TEXT NOT NULL,
    version    INTEGER NOT NULL,
    status     TEXT NOT NULL,
    team       TEXT,
    assignee   TEXT,
    priority   INTEGER NOT NULL,
    queued_at  INTEGER,
    updated_at INTEGER NOT NULL,
    sla_due_at INTEGER,
    body       TEXT NOT NULL,
    UNIQUE (workspace, id)
);
CREATE INDEX tickets_by_update ON tickets (workspace, updated_at DESC);
CREATE INDEX tickets_by_queue ON tickets (workspace, team, status, priority DESC, queued_at);
CREATE INDEX tickets_by_assignee ON tickets (workspace, assignee, updated_at DESC);
CREATE INDEX tickets_by_sla_due ON tickets (sla_due_at) WHERE sla_due_at IS NOT NULL;

CREATE TABLE turns (
    workspace  TEXT NOT NULL,
    message_id TEXT NOT NULL,
    done       INTEGER NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (workspace, message_id)
) WITHOUT ROWID;

CREATE TABLE transcript (
    seq        INTEGER PRIMARY KEY,
    workspace  TEXT NOT NULL,
    ticket_id  TEXT NOT NULL,
    message_id TEXT NOT NULL,
    at         INTEGER NOT NULL,
    body       TEXT NOT NULL,
    UNIQUE (workspace, message_id)
);
CREATE INDEX transcript_by_ticket ON transcript (workspace, ticket_id, at, seq);

-- Kept apart from the transcript: a status may arrive before the message it describes.
CREATE TABLE deliveries (
    workspace  TEXT NOT NULL,
    message_id TEXT NOT NULL,
    state      TEXT NOT NULL,
    at         INTEGER NOT NULL,
    error      TEXT,
    PRIMARY KEY (workspace, message_id)
) WITHOUT ROWID;

CREATE TABLE agents (
    workspace TEXT NOT NULL,
    id        TEXT NOT NULL,
    body      TEXT NOT NULL,
    PRIMARY KEY (workspace, id)
) WITHOUT ROWID;

-- AUTOINCREMENT: ids give the send order and, with the receive count, make receipts; a
-- deleted message's id must never come back.
CREATE TABLE queue_messages (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    queue         TEXT NOT NULL,
    grp           TEXT,
    -- 1 for the oldest message of its group (and for every ungrouped message): only heads
    -- are received, which is what keeps a group in order and one at a time.
    is_head       INTEGER NOT NULL,
    body          TEXT NOT NULL,
    sent_at       INTEGER NOT NULL,
    visible_at    INTEGER NOT NULL,
    receive_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX queue_messages_ready ON queue_messages (queue, is_head, visible_at, id);
CREATE INDEX queue_messages_by_group ON queue_messages (queue, grp, id) WHERE grp IS NOT NULL;

CREATE TABLE queue_dedupe (
    queue      TEXT NOT NULL,
    dedupe_id  TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (queue, dedupe_id)
) WITHOUT ROWID;
CREATE INDEX queue_dedupe_by_expiry ON queue_dedupe (expires_at);

CREATE TABLE dead_letters (
    id            INTEGER PRIMARY KEY,
    message_id    INTEGER NOT NULL,
    queue         TEXT NOT NULL,
    grp           TEXT,
    body          TEXT NOT NULL,
    receive_count INTEGER NOT NULL,
    reason        TEXT NOT NULL,
    sent_at       INTEGER NOT NULL,
    dead_at       INTEGER NOT NULL
);
CREATE INDEX dead_letters_by_queue ON dead_letters (queue, id);

CREATE TABLE events (
    seq          INTEGER PRIMARY KEY,
    workspace    TEXT NOT NULL,
    name         TEXT NOT NULL,
    body         TEXT NOT NULL,
    published_at INTEGER NOT NULL
);
CREATE INDEX events_by_workspace ON events (workspace, seq);

CREATE TABLE sandbox_outbox (
    seq        INTEGER PRIMARY KEY,
    workspace  TEXT NOT NULL,
    customer   TEXT NOT NULL,
    message_id TEXT NOT NULL,
    body       TEXT NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX sandbox_outbox_by_customer ON sandbox_outbox (workspace, customer, seq);

-- A job's `customer` is read from its JSON body only where erasure looks for it: jobs outside
-- any group (a FIFO queue's jobs are found, and erased, by their group). The expression ran
-- two JSON parses of every body on every insert and delete, an inbound message's included,
-- whose index entry it never made.
DROP INDEX queue_messages_by_customer;
ALTER TABLE queue_messages DROP COLUMN customer;
ALTER TABLE queue_messages ADD COLUMN customer TEXT GENERATED ALWAYS AS (
    CASE WHEN grp IS NULL AND json_valid(body) THEN json_extract(body, '$.customer') END
) VIRTUAL;
CREATE INDEX queue_messages_by_customer ON queue_messages (customer) WHERE customer IS NOT NULL;
DROP INDEX dead_letters_by_customer;
ALTER TABLE dead_letters DROP COLUMN customer;
ALTER TABLE dead_letters ADD COLUMN customer TEXT GENERATED ALWAYS AS (
    CASE WHEN grp IS NULL AND json_valid(body) THEN json_extract(body, '$.customer') END
) VIRTUAL;
CREATE INDEX dead_letters_by_customer ON dead_letters (customer) WHERE customer IS NOT NULL;

-- A customer's queued jobs and dead letters found from the customer, so erasing a customer
-- deletes them without reading the others: by their queue group (workspace#number) and, for
-- the timers that name the customer outside any group, by the job's `customer`.
CREATE INDEX dead_letters_by_group ON dead_letters (queue, grp) WHERE grp IS NOT NULL;
ALTER TABLE queue_messages ADD COLUMN customer TEXT GENERATED ALWAYS AS (
    CASE WHEN json_valid(body) THEN json_extract(body, '$.customer') END
) VIRTUAL;
CREATE INDEX queue_messages_by_customer ON queue_messages (customer) WHERE customer IS NOT NULL;
ALTER TABLE dead_letters ADD COLUMN customer TEXT GENERATED ALWAYS AS (
    CASE WHEN json_valid(body) THEN json_extract(body, '$.customer') END
) VIRTUAL;
CREATE INDEX dead_letters_by_customer ON dead_letters (customer) WHERE customer IS NOT NULL;

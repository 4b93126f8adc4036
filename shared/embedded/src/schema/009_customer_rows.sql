-- A customer's dead letters found by their queue group (workspace#number), so erasing a
-- customer deletes them without reading the others.
CREATE INDEX dead_letters_by_group ON dead_letters (queue, grp) WHERE grp IS NOT NULL;

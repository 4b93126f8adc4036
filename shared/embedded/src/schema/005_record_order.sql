-- Records listed a page at a time, most recently written first: `sort` is the record's cursor
-- (write time as 20-digit nanoseconds, '#', key). Rows written before it existed get their
-- write time to the millisecond, which keeps their order.
ALTER TABLE records ADD COLUMN sort TEXT NOT NULL DEFAULT '';
UPDATE records SET sort = printf('%020d#%s',
    CAST(round((julianday(json_extract(body, '$.updated_at')) - 2440587.5) * 86400000) AS INTEGER) * 1000000,
    key);
CREATE INDEX records_by_sort ON records (workspace, kind, sort);

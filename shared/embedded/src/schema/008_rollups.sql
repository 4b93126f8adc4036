-- The report rollups: one row per workspace, local day, dimension and counter, added to in
-- the transaction of the ticket write that counts the fact. A report reads a day range.
CREATE TABLE rollups (
    workspace TEXT NOT NULL,
    day       TEXT NOT NULL,   -- YYYY-MM-DD in the workspace's time zone
    dim       TEXT NOT NULL,   -- all, team#…, agent#…, channel#…, reason#…
    counter   TEXT NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (workspace, day, dim, counter)
) WITHOUT ROWID;

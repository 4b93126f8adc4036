-- Media the sandbox chat's customer "sends", served back through the WhatsApp port's media
-- download as the Graph API would.
CREATE TABLE sandbox_media (
    workspace  TEXT NOT NULL,
    media_id   TEXT NOT NULL,
    mime_type  TEXT NOT NULL,
    bytes      BLOB NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (workspace, media_id)
);

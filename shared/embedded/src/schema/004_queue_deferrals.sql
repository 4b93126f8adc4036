-- Receives given back because WhatsApp was down: they do not count toward max_receives.
ALTER TABLE queue_messages ADD COLUMN deferrals INTEGER NOT NULL DEFAULT 0;

-- Anonymous statistics per entry point (declines is in 0002): visits of the
-- tracking link /l/{code}, chats started (a person's first message attributed to
-- it) and terms accepted. Counters only: no person, no address, no time.
ALTER TABLE entry_points ADD COLUMN visits BIGINT NOT NULL DEFAULT 0;
ALTER TABLE entry_points ADD COLUMN chats_started BIGINT NOT NULL DEFAULT 0;
ALTER TABLE entry_points ADD COLUMN accepted BIGINT NOT NULL DEFAULT 0;

-- An entry point's anonymous counters per UTC day (the totals stay in
-- entry_points), kept by each count so that its page reads days, not events:
-- visits of /l/{code}, chats started, terms accepted and declined. No person, no
-- address, no time finer than the day. Counts from before this migration have no
-- day: they are in the totals only.
CREATE TABLE entry_point_days (
    day INTEGER NOT NULL,
    business_number_id TEXT NOT NULL,
    code TEXT NOT NULL,
    visits INTEGER NOT NULL DEFAULT 0,
    chats_started INTEGER NOT NULL DEFAULT 0,
    accepted INTEGER NOT NULL DEFAULT 0,
    declines INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (business_number_id, code, day)
);

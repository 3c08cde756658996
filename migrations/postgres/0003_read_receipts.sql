-- When the business marked an inbound message read (Meta's read receipt, passed
-- through to the provider).
ALTER TABLE inbound_messages ADD COLUMN read_at BIGINT;

-- The sandbox's phone simulator lists a number's newest contacts.
CREATE INDEX contacts_newest ON contacts (business_number_id, created_at);

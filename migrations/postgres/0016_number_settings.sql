-- The console's number settings: the WhatsApp Business Account a Cloud API
-- number belongs to (its templates are listed there), the words HELP adds on how
-- to reach a person, and the answer chat messages get while the service is not
-- live yet.
ALTER TABLE business_numbers ADD COLUMN waba_id TEXT;
ALTER TABLE business_numbers ADD COLUMN help_text TEXT;
ALTER TABLE business_numbers ADD COLUMN not_live_reply TEXT;

-- Words a person may use after STOP for one category ("STOP promos"), besides its
-- name and English title; comma-separated.
ALTER TABLE categories ADD COLUMN keywords TEXT NOT NULL DEFAULT '';

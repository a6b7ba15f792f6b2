-- Logs in the order they were stored, for full-text searches that match
-- more logs than are ranked: those come newest first (storage/search.go).
-- SQLite has the same order in the logs' rowids.
ALTER TABLE logs ADD COLUMN seq BIGSERIAL;

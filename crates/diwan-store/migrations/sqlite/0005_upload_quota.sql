-- Upload quotas count one owner's recent uploads.
CREATE INDEX uploads_owner_recent ON uploads (owner_id, created_at);

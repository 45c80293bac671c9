-- Bulk actions (issue #19): the entries one bulk change writes, one per property, share a batch id.
ALTER TABLE audit_events ADD COLUMN batch_id TEXT;

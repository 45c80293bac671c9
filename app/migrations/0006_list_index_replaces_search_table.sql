-- The Manage Properties list is answered from an in-memory index (store::list_index), which
-- serves every fragment length; the trigram table only served 3+ characters and cost every write.
DROP TRIGGER IF EXISTS properties_search_insert;
DROP TRIGGER IF EXISTS properties_search_delete;
DROP TRIGGER IF EXISTS properties_search_update;
DROP TABLE IF EXISTS properties_search;

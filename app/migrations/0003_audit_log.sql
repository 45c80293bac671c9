-- The audit log (SPEC 4): one row per change, from every door. The table of 0001 was never
-- written to, so it is replaced by one with every field an entry needs.
DROP TABLE audit_events;

CREATE TABLE audit_events (
    id            INTEGER NOT NULL PRIMARY KEY,
    at            INTEGER NOT NULL,
    door          TEXT    NOT NULL CHECK (door IN ('console', 'api', 'cli')),
    actor_kind    TEXT    NOT NULL CHECK (actor_kind IN ('user', 'client', 'system')),
    -- Username, client id, or operating-system user.
    actor         TEXT    NOT NULL,
    -- The client's name at the time (API actors).
    actor_name    TEXT,
    -- The caller's address, or 'cli'.
    source        TEXT    NOT NULL,
    request_id    TEXT    NOT NULL,
    action        TEXT    NOT NULL,
    -- The property acted on, with its name at the time (kept after the property is deleted).
    client_id     TEXT,
    property_name TEXT,
    -- What changed, before and after, as JSON objects. Never a secret.
    before_json   TEXT CHECK (before_json IS NULL OR json_valid(before_json)),
    after_json    TEXT CHECK (after_json IS NULL OR json_valid(after_json))
) STRICT;

-- Newest first is ORDER BY id DESC (ids grow with time); each filter has its own index.
CREATE INDEX audit_events_by_property ON audit_events (client_id, id);
CREATE INDEX audit_events_by_property_name ON audit_events (property_name COLLATE NOCASE, id);
CREATE INDEX audit_events_by_actor ON audit_events (actor, id);
CREATE INDEX audit_events_by_action ON audit_events (action, id);
CREATE INDEX audit_events_by_time ON audit_events (at);

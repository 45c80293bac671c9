-- Gatehouse schema for the whole product (SPEC section 1 and 4), so later features add code, not tables.
-- Times are unix seconds (UTC). Tables are STRICT so a wrong type is an error, not a silent cast.

-- A property (= Capture API client).
CREATE TABLE properties (
    client_id                    TEXT    NOT NULL PRIMARY KEY CHECK (length(client_id) = 32),
    name                         TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    -- Unicode-lowercased trimmed name: case-insensitive uniqueness and the Name sort.
    name_key                     TEXT    NOT NULL UNIQUE,
    client_secret                TEXT    NOT NULL,
    previous_secret              TEXT,
    previous_secret_expires_at   INTEGER,
    secret_last_used_at          INTEGER,
    previous_secret_last_used_at INTEGER,
    -- Bit set of features (owner=1, access_issuer=2, direct_read_access=4, direct_access=8,
    -- login_client=16, metadata=32): "has any of" is one AND, no join.
    features                     INTEGER NOT NULL DEFAULT 0 CHECK (features BETWEEN 0 AND 63),
    -- JSON array of CIDR strings in the order given.
    whitelist                    TEXT    NOT NULL DEFAULT '["0.0.0.0/0"]' CHECK (json_valid(whitelist)),
    -- Optimistic concurrency: every write bumps it.
    version                      INTEGER NOT NULL DEFAULT 1,
    created_at                   INTEGER NOT NULL,
    updated_at                   INTEGER NOT NULL
) STRICT;

-- Substring search over name and id: trigram index, kept in sync by the triggers below.
CREATE VIRTUAL TABLE properties_search USING fts5(
    client_id, name,
    content = 'properties', content_rowid = 'rowid',
    tokenize = 'trigram case_sensitive 0'
);

CREATE TRIGGER properties_search_insert AFTER INSERT ON properties BEGIN
    INSERT INTO properties_search (rowid, client_id, name) VALUES (new.rowid, new.client_id, new.name);
END;
CREATE TRIGGER properties_search_delete AFTER DELETE ON properties BEGIN
    INSERT INTO properties_search (properties_search, rowid, client_id, name)
    VALUES ('delete', old.rowid, old.client_id, old.name);
END;
CREATE TRIGGER properties_search_update AFTER UPDATE OF name, client_id ON properties BEGIN
    INSERT INTO properties_search (properties_search, rowid, client_id, name)
    VALUES ('delete', old.rowid, old.client_id, old.name);
    INSERT INTO properties_search (rowid, client_id, name) VALUES (new.rowid, new.client_id, new.name);
END;

-- Application ("default") scope settings, inherited by every property.
CREATE TABLE global_settings (
    key        TEXT    NOT NULL PRIMARY KEY,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Property scope settings: override the global value of the same key.
CREATE TABLE property_settings (
    client_id  TEXT    NOT NULL REFERENCES properties (client_id) ON DELETE CASCADE,
    key        TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, key)
) STRICT, WITHOUT ROWID;

-- Console accounts (SPEC 4).
CREATE TABLE users (
    id            INTEGER NOT NULL PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'viewer')),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

-- Console sign-in sessions; only a hash of the cookie token is stored.
CREATE TABLE sessions (
    token_hash   TEXT    NOT NULL PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Audit log of every change (SPEC 4). No foreign key: history outlives a deleted property.
CREATE TABLE audit_events (
    id          INTEGER NOT NULL PRIMARY KEY,
    at          INTEGER NOT NULL,
    actor_kind  TEXT    NOT NULL CHECK (actor_kind IN ('user', 'client', 'system')),
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    client_id   TEXT,
    source_ip   TEXT,
    request_id  TEXT,
    before_json TEXT,
    after_json  TEXT
) STRICT;
CREATE INDEX audit_events_by_property ON audit_events (client_id, at);

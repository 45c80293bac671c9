-- When each secret was last used, and failed authentications (see store/usage.rs). Collected in
-- memory and written every few seconds, never once per request.

-- Every reset issues a new generation; a use is recorded against the generation of the secret
-- used, so a use counted just before a reset is not credited to the new secret.
ALTER TABLE properties ADD COLUMN secret_generation INTEGER NOT NULL DEFAULT 0;
-- When the current secret was issued by a reset (NULL: the property's first secret).
ALTER TABLE properties ADD COLUMN secret_reset_at INTEGER;
ALTER TABLE properties ADD COLUMN secret_last_used_from TEXT;
ALTER TABLE properties ADD COLUMN previous_secret_last_used_from TEXT;
ALTER TABLE properties ADD COLUMN last_failed_auth_at INTEGER;
ALTER TABLE properties ADD COLUMN last_failed_auth_from TEXT;

-- Failed authentications naming an existing client id, per hour (unix seconds / 3600). Hours older
-- than the window are pruned when usage is written.
CREATE TABLE failed_authentications (
    client_id TEXT    NOT NULL REFERENCES properties (client_id) ON DELETE CASCADE,
    hour      INTEGER NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (client_id, hour)
) STRICT, WITHOUT ROWID;

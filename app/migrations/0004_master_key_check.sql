-- Client secrets are sealed under the operator's master key (see store/sealed.rs). The key check
-- value proves at start-up that the key given is the one the secrets were sealed with.
CREATE TABLE master_key_check (
    id    INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    value TEXT    NOT NULL
) STRICT;

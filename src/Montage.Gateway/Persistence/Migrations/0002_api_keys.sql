-- API keys: only the SHA-256 of a key is stored; the label (prefix) identifies it to people.
CREATE TABLE IF NOT EXISTS api_keys (
    id uuid PRIMARY KEY,
    key_hash bytea NOT NULL UNIQUE,
    label text NOT NULL,
    owner text NOT NULL,
    name text NOT NULL DEFAULT '',
    requests_per_minute integer,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
CREATE INDEX IF NOT EXISTS api_keys_owner ON api_keys (owner);

-- The gateway's own state; the API's tables arrive in later scripts.
CREATE TABLE IF NOT EXISTS gateway_info (key text PRIMARY KEY, value text NOT NULL);

-- Blobs: one row per distinct content (sha256), with the number of assets that reference it.
-- A blob whose ref_count reached zero is removed by the collector after a grace period.
CREATE TABLE blobs (
    sha256             text PRIMARY KEY,
    size_bytes         bigint NOT NULL,
    ref_count          integer NOT NULL DEFAULT 0 CHECK (ref_count >= 0),
    created_at         timestamptz NOT NULL DEFAULT now(),
    unreferenced_since timestamptz
);

CREATE INDEX blobs_unreferenced ON blobs (unreferenced_since) WHERE ref_count = 0;

-- Assets: an owner's named record of some bytes.
CREATE TABLE assets (
    id              text PRIMARY KEY,
    owner           text NOT NULL,
    sha256          text NOT NULL REFERENCES blobs (sha256),
    size_bytes      bigint NOT NULL,
    content_type    text NOT NULL,
    kind            smallint NOT NULL,
    width           integer,
    height          integer,
    duration_ms     bigint,
    fps             double precision,
    video_codec     text,
    audio_codec     text,
    has_audio       boolean,
    probed          boolean NOT NULL DEFAULT false,
    name            text NOT NULL DEFAULT '',
    source_type     text NOT NULL,
    source_url      text NOT NULL DEFAULT '',
    source_job_id   text NOT NULL DEFAULT '',
    source_provider text NOT NULL DEFAULT '',
    derived_from    text,
    derivative      smallint NOT NULL DEFAULT 0,
    derive_key      text,
    tags            text[] NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Content addressing per owner: the same bytes uploaded twice by one owner are one asset.
CREATE UNIQUE INDEX assets_owner_sha256 ON assets (owner, sha256) WHERE derived_from IS NULL;
-- Derivatives are cached: one per source and parameters.
CREATE UNIQUE INDEX assets_derivative ON assets (derived_from, derive_key) WHERE derived_from IS NOT NULL;
CREATE INDEX assets_owner_created ON assets (owner, created_at DESC, id DESC);
CREATE INDEX assets_tags ON assets USING gin (tags);

-- Copies of an asset in a provider's storage, valid until expires_at.
CREATE TABLE provider_urls (
    asset_id   text NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    provider   text NOT NULL,
    url        text NOT NULL,
    expires_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (asset_id, provider)
);

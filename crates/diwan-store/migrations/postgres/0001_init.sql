-- Diwan schema, PostgreSQL dialect: the same tables and meanings as migrations/sqlite.
-- Portable on purpose (PostgreSQL 15 today; Citus, YugabyteDB or CockroachDB later): plain
-- tables, TEXT ids (UUID v7 from the server), BIGINT Unix milliseconds, JSONB documents, BYTEA
-- files; no triggers, no stored procedures, no extensions.
--   * Ids are `COLLATE "C"`: listings page by `(created_at, id)`, and byte order is what
--     SQLite uses and what every engine agrees on, whatever the database's locale.
--   * The one PostgreSQL-specific part is the event sequencer's bookkeeping (`events.xid`,
--     filled by `pg_current_xact_id()`, PostgreSQL 13+); see src/postgres/sequencer.rs.
--   * Constraint names are spelled out: the store tells an idempotency-key race from other
--     unique violations by name.
-- Applied once, in one transaction, by the store at connect (so no BEGIN/COMMIT here); never
-- edit it after release: add 0002_*.sql and list it in src/postgres/schema.rs instead.

CREATE TABLE users (
    id            TEXT COLLATE "C" NOT NULL,
    kind          TEXT   NOT NULL,
    -- Citizens sign in by national ID, officers by username; each is unique where present.
    national_id   TEXT,
    phone         TEXT,
    username      TEXT,
    display_name  TEXT   NOT NULL,
    agency        TEXT,
    -- Array of role names.
    roles         JSONB  NOT NULL DEFAULT '[]',
    password_hash TEXT,
    created_at    BIGINT NOT NULL,
    CONSTRAINT users_pkey PRIMARY KEY (id),
    CONSTRAINT users_kind_check CHECK (kind IN ('citizen', 'officer')),
    CONSTRAINT users_national_id_key UNIQUE (national_id),
    CONSTRAINT users_username_key UNIQUE (username)
);

CREATE TABLE sessions (
    -- SHA-256 of the bearer token: a stolen database yields no usable tokens.
    token_hash TEXT   NOT NULL,
    user_id    TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    CONSTRAINT sessions_pkey PRIMARY KEY (token_hash),
    CONSTRAINT sessions_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE INDEX sessions_by_user ON sessions (user_id);

-- One live code per national ID: a new code replaces the row, so an older code can never be used.
CREATE TABLE otp_codes (
    national_id TEXT    NOT NULL,
    phone       TEXT    NOT NULL,
    code_hash   TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    attempts    BIGINT  NOT NULL DEFAULT 0,
    used        BOOLEAN NOT NULL DEFAULT FALSE,
    CONSTRAINT otp_codes_pkey PRIMARY KEY (national_id)
);

-- Every code sent, kept apart from otp_codes because replacing a code must not hide the send
-- from the rate limit. No primary key in SQLite either; the surrogate one here keeps engines
-- that want one on every table (and logical replication) happy.
CREATE TABLE otp_sends (
    id          BIGINT GENERATED ALWAYS AS IDENTITY,
    national_id TEXT   NOT NULL,
    at          BIGINT NOT NULL,
    CONSTRAINT otp_sends_pkey PRIMARY KEY (id)
);

CREATE INDEX otp_sends_by_id ON otp_sends (national_id, at);

CREATE TABLE uploads (
    id           TEXT COLLATE "C" NOT NULL,
    owner_id     TEXT COLLATE "C" NOT NULL,
    filename     TEXT   NOT NULL,
    content_type TEXT   NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT   NOT NULL,
    bytes        BYTEA  NOT NULL,
    created_at   BIGINT NOT NULL,
    CONSTRAINT uploads_pkey PRIMARY KEY (id),
    CONSTRAINT uploads_owner_fkey FOREIGN KEY (owner_id) REFERENCES users (id)
);

CREATE TABLE applications (
    id              TEXT COLLATE "C" NOT NULL,
    reference       TEXT   NOT NULL,
    service_id      TEXT   NOT NULL,
    service_version BIGINT NOT NULL,
    agency          TEXT   NOT NULL,
    applicant_id    TEXT COLLATE "C" NOT NULL,
    state           TEXT   NOT NULL,
    -- The optimistic-concurrency token: 1 at creation, +1 with every event.
    version         BIGINT NOT NULL,
    data            JSONB  NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    state_since     BIGINT NOT NULL,
    CONSTRAINT applications_pkey PRIMARY KEY (id),
    CONSTRAINT applications_reference_key UNIQUE (reference),
    CONSTRAINT applications_applicant_fkey FOREIGN KEY (applicant_id) REFERENCES users (id)
);

-- "My applications", newest first.
CREATE INDEX applications_by_applicant ON applications (applicant_id, created_at);
-- An agency's work queues: by state, oldest or newest first.
CREATE INDEX applications_queue ON applications (agency, state, created_at);
-- The unfiltered listing and its paging cursor.
CREATE INDEX applications_by_created ON applications (created_at, id);

CREATE TABLE events (
    -- Insertion order, drawn after the writer holds the application's row lock, so an
    -- application's events have increasing ids. Identity columns may skip values (a rolled-back
    -- insert keeps its number): `id` is never shown, `seq` is.
    id             BIGINT GENERATED ALWAYS AS IDENTITY,
    -- The inserting transaction, for the sequencer: events of transactions older than every
    -- running one are final.
    xid            XID8   NOT NULL DEFAULT pg_current_xact_id(),
    -- The global sequence, gap-free as readers see it: NULL until the sequencer numbers the
    -- event (MAX + 1, one sequencer at a time, in its own transaction). Its unique index also
    -- finds the pending events (`seq IS NULL`), so the sequencer needs no index of its own.
    seq            BIGINT,
    application_id TEXT COLLATE "C" NOT NULL,
    version        BIGINT NOT NULL,
    action         TEXT   NOT NULL,
    from_state     TEXT,
    to_state       TEXT   NOT NULL,
    actor_id       TEXT   NOT NULL,
    actor_kind     TEXT   NOT NULL,
    actor_role     TEXT,
    actor_agency   TEXT,
    comment        TEXT,
    at             BIGINT NOT NULL,
    CONSTRAINT events_pkey PRIMARY KEY (id),
    CONSTRAINT events_seq_key UNIQUE (seq),
    CONSTRAINT events_application_fkey FOREIGN KEY (application_id)
        REFERENCES applications (id),
    CONSTRAINT events_actor_kind_check CHECK (actor_kind IN ('citizen', 'officer')),
    -- Two writers that both read version n cannot both append version n + 1.
    CONSTRAINT events_application_version_key UNIQUE (application_id, version)
);

-- References are numbered per prefix and year: BC-2026-000001, BC-2026-000002, ...
CREATE TABLE reference_counters (
    prefix TEXT    NOT NULL,
    year   INTEGER NOT NULL,
    -- The number the next application gets.
    next   BIGINT  NOT NULL,
    CONSTRAINT reference_counters_pkey PRIMARY KEY (prefix, year)
);

CREATE TABLE idempotency_keys (
    owner          TEXT   NOT NULL,
    key            TEXT   NOT NULL,
    request_hash   TEXT   NOT NULL,
    application_id TEXT COLLATE "C" NOT NULL,
    created_at     BIGINT NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (owner, key),
    CONSTRAINT idempotency_keys_application_fkey FOREIGN KEY (application_id)
        REFERENCES applications (id)
);

-- Diwan schema, SQLite dialect (the PostgreSQL backend keeps its own migrations).
-- Conventions shared with PostgreSQL: ids are text (UUID v7 from the server), times are Unix
-- milliseconds as integers, JSON is stored as text. STRICT makes SQLite refuse values of the
-- wrong type instead of silently storing them, so a bug shows here and not in PostgreSQL first.
-- Applied once, in one transaction, by the store at open (so no BEGIN/COMMIT or PRAGMA here);
-- never edit it after release: add 0002_*.sql and list it in src/sqlite/schema.rs instead.

CREATE TABLE users (
    id            TEXT    NOT NULL PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN ('citizen', 'officer')),
    -- Citizens sign in by national ID, officers by username; each is unique where present.
    national_id   TEXT    UNIQUE,
    phone         TEXT,
    username      TEXT    UNIQUE,
    display_name  TEXT    NOT NULL,
    agency        TEXT,
    -- JSON array of role names.
    roles         TEXT    NOT NULL DEFAULT '[]',
    password_hash TEXT,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
    -- SHA-256 of the bearer token: a stolen database yields no usable tokens.
    token_hash TEXT    NOT NULL PRIMARY KEY,
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX sessions_by_user ON sessions (user_id);

-- One live code per national ID: a new code replaces the row, so an older code can never be used.
CREATE TABLE otp_codes (
    national_id TEXT    NOT NULL PRIMARY KEY,
    phone       TEXT    NOT NULL,
    code_hash   TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    used        INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1))
) STRICT;

-- Every code sent, kept apart from otp_codes because replacing a code must not hide the send
-- from the rate limit.
CREATE TABLE otp_sends (
    national_id TEXT    NOT NULL,
    at          INTEGER NOT NULL
) STRICT;

CREATE INDEX otp_sends_by_id ON otp_sends (national_id, at);

CREATE TABLE uploads (
    id           TEXT    NOT NULL PRIMARY KEY,
    owner_id     TEXT    NOT NULL REFERENCES users (id),
    filename     TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    bytes        BLOB    NOT NULL,
    created_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE applications (
    id              TEXT    NOT NULL PRIMARY KEY,
    reference       TEXT    NOT NULL UNIQUE,
    service_id      TEXT    NOT NULL,
    service_version INTEGER NOT NULL,
    agency          TEXT    NOT NULL,
    applicant_id    TEXT    NOT NULL REFERENCES users (id),
    state           TEXT    NOT NULL,
    -- The optimistic-concurrency token: 1 at creation, +1 with every event.
    version         INTEGER NOT NULL,
    data            TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    state_since     INTEGER NOT NULL
) STRICT;

-- "My applications", newest first.
CREATE INDEX applications_by_applicant ON applications (applicant_id, created_at);
-- An agency's work queues: by state, oldest or newest first.
CREATE INDEX applications_queue ON applications (agency, state, created_at);

CREATE TABLE events (
    -- The global sequence. The single writer assigns MAX(seq) + 1, so a rolled-back job leaves
    -- no gap; readers only ever see committed rows.
    seq            INTEGER NOT NULL PRIMARY KEY,
    application_id TEXT    NOT NULL REFERENCES applications (id),
    version        INTEGER NOT NULL,
    action         TEXT    NOT NULL,
    from_state     TEXT,
    to_state       TEXT    NOT NULL,
    actor_id       TEXT    NOT NULL,
    actor_kind     TEXT    NOT NULL CHECK (actor_kind IN ('citizen', 'officer')),
    actor_role     TEXT,
    actor_agency   TEXT,
    comment        TEXT,
    at             INTEGER NOT NULL,
    -- Two writers that both read version n cannot both append version n + 1.
    UNIQUE (application_id, version)
) STRICT;

-- References are numbered per prefix and year: BC-2026-000001, BC-2026-000002, ...
CREATE TABLE reference_counters (
    prefix TEXT    NOT NULL,
    year   INTEGER NOT NULL,
    -- The number the next application gets.
    next   INTEGER NOT NULL,
    PRIMARY KEY (prefix, year)
) STRICT;

CREATE TABLE idempotency_keys (
    owner          TEXT    NOT NULL,
    key            TEXT    NOT NULL,
    request_hash   TEXT    NOT NULL,
    application_id TEXT    NOT NULL REFERENCES applications (id),
    created_at     INTEGER NOT NULL,
    PRIMARY KEY (owner, key)
) STRICT;

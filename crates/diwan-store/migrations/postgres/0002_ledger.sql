-- The tamper-evident log (docs/design/ledger.md) and certificates, PostgreSQL dialect.
-- A leaf is inserted in the transaction that makes its change, without a position; the
-- sequencer (src/postgres/sequencer.rs) later gives positions to final leaves in insertion
-- order, numbers the events of those leaves in the same order, and adds the tree nodes, all
-- in one transaction under its advisory lock. So the log is one tree with one order however
-- many app nodes write, and the event sequence is the order of the event leaves.

CREATE TABLE ledger_leaves (
    -- Insertion order, drawn after the writer holds the application's row lock.
    id             BIGINT GENERATED ALWAYS AS IDENTITY,
    xid            XID8   NOT NULL DEFAULT pg_current_xact_id(),
    -- The position in the log, from 0; NULL until the sequencer places the leaf. Its unique
    -- index also finds the pending leaves (`idx IS NULL`).
    idx            BIGINT,
    kind           TEXT   NOT NULL,
    application_id TEXT COLLATE "C",
    entry          BYTEA  NOT NULL,
    at             BIGINT NOT NULL,
    CONSTRAINT ledger_leaves_pkey PRIMARY KEY (id),
    CONSTRAINT ledger_leaves_idx_key UNIQUE (idx)
);

CREATE INDEX ledger_leaves_by_application ON ledger_leaves (application_id, id);

-- The event's leaf: the sequencer numbers events in the order of their leaves.
ALTER TABLE events ADD COLUMN leaf_id BIGINT;
CREATE INDEX events_by_leaf ON events (leaf_id);

CREATE TABLE ledger_nodes (
    level SMALLINT NOT NULL,
    idx   BIGINT   NOT NULL,
    hash  BYTEA    NOT NULL,
    CONSTRAINT ledger_nodes_pkey PRIMARY KEY (level, idx)
);

CREATE TABLE ledger_head (
    id   SMALLINT NOT NULL,
    size BIGINT   NOT NULL,
    root BYTEA    NOT NULL,
    CONSTRAINT ledger_head_pkey PRIMARY KEY (id),
    CONSTRAINT ledger_head_one_row CHECK (id = 1)
);

CREATE TABLE certificates (
    id             TEXT COLLATE "C" NOT NULL,
    application_id TEXT COLLATE "C" NOT NULL,
    payload        TEXT   NOT NULL,
    key_id         TEXT   NOT NULL,
    issued_at      BIGINT NOT NULL,
    expires_at     BIGINT,
    revoked_at     BIGINT,
    revoke_reason  TEXT,
    CONSTRAINT certificates_pkey PRIMARY KEY (id),
    CONSTRAINT certificates_application_key UNIQUE (application_id),
    CONSTRAINT certificates_application_fkey FOREIGN KEY (application_id)
        REFERENCES applications (id)
);

-- The tamper-evident log (docs/design/ledger.md) and certificates.
-- Leaves are written in the same transaction as the change they record; the writer adds the
-- tree nodes for the batch's new leaves before each COMMIT, so at every commit the nodes and
-- the head cover every leaf.

CREATE TABLE ledger_leaves (
    -- The position in the log, from 0; assigned as MAX + 1 by the single writer.
    idx            INTEGER NOT NULL PRIMARY KEY,
    kind           TEXT    NOT NULL,
    application_id TEXT,
    -- The exact leaf bytes (canonical JSON): served as they are, hashed as they are.
    entry          BLOB    NOT NULL,
    at             INTEGER NOT NULL
);

-- "Who looked at my applications": a citizen's leaves by application.
CREATE INDEX ledger_leaves_by_application ON ledger_leaves (application_id, idx);

-- Hashes of complete subtrees: (level, index) covers leaves [index·2^level, (index+1)·2^level).
CREATE TABLE ledger_nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB    NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- The integrated log's size and root: one row.
CREATE TABLE ledger_head (
    id   INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    size INTEGER NOT NULL,
    root BLOB    NOT NULL
);

CREATE TABLE certificates (
    id             TEXT    NOT NULL PRIMARY KEY,
    application_id TEXT    NOT NULL UNIQUE REFERENCES applications (id),
    payload        TEXT    NOT NULL,
    key_id         TEXT    NOT NULL,
    issued_at      INTEGER NOT NULL,
    expires_at     INTEGER,
    revoked_at     INTEGER,
    revoke_reason  TEXT
);

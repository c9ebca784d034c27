-- The audit ledger (RFC 9162 Merkle log). Leaves are appended in the same transaction as the
-- change they record and never updated or deleted. Nodes are the hashes of perfect subtrees
-- above the leaves (level >= 1), derived from the leaves when a checkpoint is published.
CREATE TABLE ledger_leaves (
    leaf_index BIGINT PRIMARY KEY,
    leaf       BYTEA NOT NULL
);

CREATE TABLE ledger_nodes (
    level      INTEGER NOT NULL,
    node_index BIGINT NOT NULL,
    hash       BYTEA NOT NULL,
    PRIMARY KEY (level, node_index)
);

CREATE TABLE ledger_checkpoints (
    tree_size    BIGINT PRIMARY KEY,
    note         TEXT NOT NULL,
    published_at TEXT NOT NULL
);

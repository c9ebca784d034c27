-- The audit ledger (RFC 9162 Merkle log). Leaves are appended in the same transaction as the
-- change they record and never updated or deleted. Nodes are the hashes of perfect subtrees
-- above the leaves (level >= 1), derived from the leaves when a checkpoint is published.
CREATE TABLE ledger_leaves (
    leaf_index INTEGER PRIMARY KEY,
    leaf       BLOB NOT NULL
);

CREATE TABLE ledger_nodes (
    level      INTEGER NOT NULL,
    node_index INTEGER NOT NULL,
    hash       BLOB NOT NULL,
    PRIMARY KEY (level, node_index)
) WITHOUT ROWID;

CREATE TABLE ledger_checkpoints (
    tree_size    INTEGER PRIMARY KEY,
    note         TEXT NOT NULL,
    published_at TEXT NOT NULL
);

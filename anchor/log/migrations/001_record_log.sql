-- The department's tamper-evident log (issue 4), in the department's own database.
--
-- record_log is the outbox: the store writes one row here in the same
-- transaction as every record it commits (a new row or a new version of a
-- mutable row), so a committed record never lacks its leaf. The integrator
-- later gives each row its leaf index in the Merkle tree (merkle_nodes) in
-- commit order of integration; checkpoints hold what was signed and anchored.

CREATE TABLE record_log (
  seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  record_table text        NOT NULL,
  record_id    text        NOT NULL,
  -- 32 random bytes: the digest reveals nothing guessable about the record.
  salt         bytea       NOT NULL CHECK (octet_length(salt) = 32),
  -- SHA-256(salt || JCS({"record": row, "table": table})): the leaf's data.
  digest       bytea       NOT NULL CHECK (octet_length(digest) = 32),
  logged_at    timestamptz NOT NULL DEFAULT now(),
  leaf_index   bigint      UNIQUE
);
CREATE INDEX record_log_pending ON record_log (seq) WHERE leaf_index IS NULL;
CREATE INDEX record_log_record ON record_log (record_table, record_id, seq);

-- Every complete subtree root, (level, index) as in anchor/merkle/plan.ts;
-- level 0 holds the leaf hashes. Never updated once written.
CREATE TABLE merkle_nodes (
  level  smallint NOT NULL,
  idx    bigint   NOT NULL,
  hash   bytea    NOT NULL CHECK (octet_length(hash) = 32),
  PRIMARY KEY (level, idx)
);

-- One row: the tree's size, root and right-edge frontier after the last integration.
CREATE TABLE merkle_state (
  only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  -- Which log this is (the department's name); the log id on the ledger is derived from it.
  log_id    text    NOT NULL DEFAULT current_schema(),
  size      bigint  NOT NULL,
  root      bytea   NOT NULL,
  frontier  bytea[] NOT NULL
);
INSERT INTO merkle_state (size, root, frontier)
  VALUES (0, decode('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex'), '{}');

-- Checkpoints the log owner signed; anchor columns are filled once the ledger confirmed it.
CREATE TABLE checkpoints (
  tree_size     bigint      PRIMARY KEY,
  root          bytea       NOT NULL,
  signed        text        NOT NULL,
  signer        text        NOT NULL,
  signed_at     timestamptz NOT NULL DEFAULT now(),
  chain_id      bigint,
  contract      text,
  tx_hash       text,
  block_number  bigint,
  block_time    timestamptz
);

CREATE FUNCTION refuse_log_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the Merkle log is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER merkle_nodes_append_only BEFORE UPDATE OR DELETE ON merkle_nodes
  FOR EACH ROW EXECUTE FUNCTION refuse_log_rewrite();
CREATE TRIGGER record_log_no_delete BEFORE DELETE ON record_log
  FOR EACH ROW EXECUTE FUNCTION refuse_log_rewrite();

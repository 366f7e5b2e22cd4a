-- Fewer rows per integration (issue 4, bench P3-append / P6-audit): row
-- operations are what an integration cost, so the tree and the leaf
-- assignment move to a few wide rows.
--
-- 1. merkle_nodes (one row per node) becomes merkle_tiles: one row per
--    (level, tile) holding up to 256 consecutive node hashes of that level
--    concatenated (node (level, idx) is bytes [32 * (idx % 256), +32) of tile
--    idx / 256). The right-edge tile of a level grows as nodes complete; the
--    database refuses any change but such an append.
-- 2. record_log.leaf_index (one UPDATE per leaf) becomes log_batches: one row
--    per integration, its first leaf index and the seqs it integrated in leaf
--    order. A record's leaf is first_leaf + its position in seqs.
-- 3. Pending rows are named by log_pending, filled by a trigger in the very
--    statement (and so the transaction) that writes the record_log row, and
--    emptied by the integrator. Seqs are allocated at insert, not commit: a
--    late-committing row with a low seq is still in log_pending, never skipped.

CREATE TABLE merkle_tiles (
  level   smallint NOT NULL CHECK (level >= 0),
  tile    bigint   NOT NULL CHECK (tile >= 0),
  hashes  bytea    NOT NULL CHECK (octet_length(hashes) BETWEEN 32 AND 8192 AND octet_length(hashes) % 32 = 0),
  PRIMARY KEY (level, tile)
);
-- Random hashes do not compress: keep them out of the compressor.
ALTER TABLE merkle_tiles ALTER COLUMN hashes SET STORAGE EXTERNAL;

CREATE FUNCTION merkle_tiles_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.level = OLD.level AND NEW.tile = OLD.tile
     AND octet_length(NEW.hashes) >= octet_length(OLD.hashes)
     AND substring(NEW.hashes FROM 1 FOR octet_length(OLD.hashes)) = OLD.hashes THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'the Merkle log is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER merkle_tiles_append_only BEFORE UPDATE OR DELETE ON merkle_tiles
  FOR EACH ROW EXECUTE FUNCTION merkle_tiles_append_only();

-- Existing nodes move into tiles (each level is contiguous from index 0).
INSERT INTO merkle_tiles (level, tile, hashes)
  SELECT level, idx / 256, string_agg(hash, ''::bytea ORDER BY idx) FROM merkle_nodes GROUP BY level, idx / 256;
DROP TABLE merkle_nodes;

CREATE TABLE log_batches (
  first_leaf  bigint    PRIMARY KEY CHECK (first_leaf >= 0),
  seqs        bigint[]  NOT NULL CHECK (cardinality(seqs) > 0),
  -- [min(seqs), max(seqs)]: finds the batch of a seq through the GiST index below.
  seq_span    int8range NOT NULL
);
CREATE INDEX log_batches_seq_span ON log_batches USING gist (seq_span);
CREATE TRIGGER log_batches_append_only BEFORE UPDATE OR DELETE ON log_batches
  FOR EACH ROW EXECUTE FUNCTION refuse_log_rewrite();

-- Existing leaf assignments become batches of consecutive leaves (at most 10,000 each).
INSERT INTO log_batches (first_leaf, seqs, seq_span)
  SELECT min(leaf_index), array_agg(seq ORDER BY leaf_index), int8range(min(seq), max(seq), '[]')
    FROM (SELECT seq, leaf_index, leaf_index - row_number() OVER (ORDER BY leaf_index) AS island
            FROM record_log WHERE leaf_index IS NOT NULL) numbered
   GROUP BY island, leaf_index / 10000;

CREATE TABLE log_pending (
  seq  bigint PRIMARY KEY
);
INSERT INTO log_pending (seq) SELECT seq FROM record_log WHERE leaf_index IS NULL;

CREATE FUNCTION record_log_mark_pending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO log_pending (seq) SELECT seq FROM added;
  RETURN NULL;
END $$;
CREATE TRIGGER record_log_mark_pending AFTER INSERT ON record_log
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION record_log_mark_pending();
-- Like the old leaf_index IS NULL, every row written is pending, even one written with
-- session_replication_role = replica (which skips ordinary triggers).
ALTER TABLE record_log ENABLE ALWAYS TRIGGER record_log_mark_pending;

-- A logged entry never changes either (its digest is what the leaf was built from).
CREATE TRIGGER record_log_no_update BEFORE UPDATE ON record_log
  FOR EACH ROW EXECUTE FUNCTION refuse_log_rewrite();

DROP INDEX record_log_pending;
ALTER TABLE record_log DROP COLUMN leaf_index;

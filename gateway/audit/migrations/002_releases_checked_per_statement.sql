-- The foreign key from audit_releases to audit_entries checked every release row on its own:
-- one lookup per row that also locked the entry it found (FOR KEY SHARE, which writes to the
-- entry's tuple). On the embedded database that was 43 % of the statement that commits a batch
-- of the gateway's audit trail (EXPLAIN ANALYZE, 30 entries: 3.8 of 8.8 ms), and every answer
-- waits for that commit.
--
-- What the key guaranteed is kept, checked in other ways:
--   * a release names an entry on the trail: checked once per INSERT statement, for all its
--     releases together, after the statement (so entries inserted by the same statement count,
--     as the writer's one-statement batches need);
--   * an entry a release names is never removed or changed: audit_entries refuses UPDATE and
--     DELETE (001), and now TRUNCATE too, which the key used to refuse only for audit_entries.
ALTER TABLE audit_releases DROP CONSTRAINT audit_releases_entry_id_fkey;

CREATE FUNCTION audit_releases_name_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  named uuid[] := ARRAY(SELECT DISTINCT entry_id FROM added);
BEGIN
  -- Probes the primary key once per entry named (= ANY of an array): a join with the transition
  -- table let the planner hash all of audit_entries, a cost that grew with the trail.
  IF (SELECT count(*) FROM audit_entries WHERE id = ANY (named)) <> cardinality(named) THEN
    RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
      MESSAGE = 'an audit release names an entry that is not on the audit trail';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER audit_releases_name_entries AFTER INSERT ON audit_releases
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION audit_releases_name_entries();

CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_rewrite();
CREATE TRIGGER audit_releases_no_truncate BEFORE TRUNCATE ON audit_releases
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_rewrite();

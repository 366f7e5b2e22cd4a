-- Justice department: courts, cases, parties, status history, judgments,
-- electronic evidence metadata and evidence access requests.
--
-- Tables are never schema-qualified: search_path points at the department's
-- own schema (PGlite and PostgreSQL alike).
--
-- Append-only (a trigger refuses UPDATE, DELETE and TRUNCATE): case_status_changes,
-- judgments, evidence, evidence_access_requests, evidence_access_decisions.
-- Derived state is never stored beside them by hand:
--   * a case's current status is the latest case_status_changes row; cases.status
--     (+ status_changed_on, status_seq) is a cache written ONLY by the trigger on
--     that table, inside the same transaction as the history row, so the two can
--     never disagree. The cache exists so that `cases(status:)` can filter and
--     keyset-page on an index instead of finding the latest history row per case.
--   * an access request's status is its decision row, if any (view below).

-- ---------------------------------------------------------------------------
-- Append-only guard

CREATE FUNCTION justice_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation', HINT = 'record a new row instead (a correction, a new status, a new decision)';
END
$$;

-- ---------------------------------------------------------------------------
-- Courts

CREATE TABLE courts (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  level       text NOT NULL CHECK (level IN ('SUPREME', 'HIGH', 'INTERMEDIATE', 'BASIC', 'INTERNET', 'SPECIALISED')),
  city        text NOT NULL CHECK (length(city) BETWEEN 1 AND 100),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT courts_name_unique UNIQUE (name)
);
-- Keyset order of `courts`.
CREATE INDEX courts_by_name ON courts (name, id);

-- ---------------------------------------------------------------------------
-- Cases

CREATE TABLE cases (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- Stored in its normalised form (NFKC, trimmed), which is also how it is looked up.
  case_number       text NOT NULL CHECK (length(case_number) BETWEEN 1 AND 64),
  court_id          uuid NOT NULL REFERENCES courts (id),
  kind              text NOT NULL CHECK (kind IN ('CIVIL', 'CRIMINAL', 'ADMINISTRATIVE')),
  title             text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  filed_on          date NOT NULL,
  -- Cache of the latest case_status_changes row (see the header): written by its trigger only.
  status            text NOT NULL DEFAULT 'FILED'
                    CHECK (status IN ('FILED', 'ADMITTED', 'DISMISSED', 'IN_HEARING', 'WITHDRAWN', 'JUDGED', 'CLOSED', 'APPEALED')),
  status_changed_on date NOT NULL,
  status_seq        integer NOT NULL DEFAULT 0,
  recorded_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT cases_case_number_unique UNIQUE (case_number)
);
-- Keyset orders of `cases(courtId, status)`: (filed_on, id) under each filter combination.
CREATE INDEX cases_by_filed ON cases (filed_on, id);
CREATE INDEX cases_by_court ON cases (court_id, filed_on, id);
CREATE INDEX cases_by_status ON cases (status, filed_on, id);
CREATE INDEX cases_by_court_status ON cases (court_id, status, filed_on, id);

-- The status cache may change only through the history trigger (trigger depth 2), never directly.
CREATE FUNCTION justice_guard_case_status_cache() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() < 2 AND (NEW.status, NEW.status_changed_on, NEW.status_seq)
       IS DISTINCT FROM (OLD.status, OLD.status_changed_on, OLD.status_seq) THEN
    RAISE EXCEPTION 'cases.status is derived from case_status_changes: insert a status change instead'
      USING ERRCODE = 'restrict_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER cases_status_cache_guard BEFORE UPDATE ON cases
  FOR EACH ROW EXECUTE FUNCTION justice_guard_case_status_cache();
CREATE TRIGGER cases_no_delete BEFORE DELETE ON cases
  FOR EACH ROW EXECUTE FUNCTION justice_refuse_change();

-- ---------------------------------------------------------------------------
-- Status history (append-only). The allowed transitions live here too, so no
-- writer can record a jump the court procedure does not allow.

CREATE TABLE case_status_changes (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id     uuid NOT NULL REFERENCES cases (id),
  -- 1 for the FILED row written with the case, then +1 per change: UNIQUE (case_id, seq)
  -- makes two concurrent changes from the same status collide instead of both landing.
  seq         integer NOT NULL CHECK (seq >= 1),
  from_status text,
  status      text NOT NULL,
  changed_on  date NOT NULL,
  note        text CHECK (length(note) BETWEEN 1 AND 1000),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT case_status_changes_seq_unique UNIQUE (case_id, seq),
  CONSTRAINT case_status_changes_allowed CHECK (
    (seq = 1 AND from_status IS NULL AND status = 'FILED')
    OR (seq > 1 AND (from_status, status) IN (
      ('FILED', 'ADMITTED'), ('FILED', 'DISMISSED'),
      ('ADMITTED', 'IN_HEARING'), ('ADMITTED', 'WITHDRAWN'),
      ('IN_HEARING', 'JUDGED'), ('IN_HEARING', 'WITHDRAWN'),
      ('JUDGED', 'CLOSED'), ('JUDGED', 'APPEALED'),
      ('APPEALED', 'IN_HEARING')))
  )
);
CREATE TRIGGER case_status_changes_append_only BEFORE UPDATE OR DELETE ON case_status_changes
  FOR EACH ROW EXECUTE FUNCTION justice_refuse_change();
CREATE TRIGGER case_status_changes_no_truncate BEFORE TRUNCATE ON case_status_changes
  FOR EACH STATEMENT EXECUTE FUNCTION justice_refuse_change();

-- SET search_path FROM CURRENT: `cases` resolves to this department's table whatever the caller's path.
CREATE FUNCTION justice_apply_status_change() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  UPDATE cases SET status = NEW.status, status_changed_on = NEW.changed_on, status_seq = NEW.seq
   WHERE id = NEW.case_id;
  RETURN NULL;
END
$$;
CREATE TRIGGER case_status_changes_apply AFTER INSERT ON case_status_changes
  FOR EACH ROW EXECUTE FUNCTION justice_apply_status_change();

-- ---------------------------------------------------------------------------
-- Parties

CREATE TABLE case_parties (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id     uuid NOT NULL REFERENCES cases (id),
  -- Listing order within the case (plaintiff first, as on the filing).
  position    integer NOT NULL CHECK (position >= 1),
  -- NULL for a party without a DID (a company, a procuratorate without one yet).
  did         text CHECK (did LIKE 'did:%' AND length(did) <= 256),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  role        text NOT NULL CHECK (role IN ('PLAINTIFF', 'DEFENDANT', 'PROSECUTOR', 'APPELLANT', 'RESPONDENT', 'THIRD_PARTY', 'WITNESS')),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT case_parties_position_unique UNIQUE (case_id, position),
  -- One party row per person per case, so a DID names exactly one party (NULLs are distinct).
  CONSTRAINT case_parties_did_unique UNIQUE (case_id, did),
  -- Target of the judgments (party_id, case_id) foreign key.
  CONSTRAINT case_parties_id_case UNIQUE (id, case_id)
);
-- Citizen.caseParticipations and criminal records look parties up by DID.
CREATE INDEX case_parties_by_did ON case_parties (did, case_id) WHERE did IS NOT NULL;

-- ---------------------------------------------------------------------------
-- Judgments (append-only): an appeal outcome is a new judgment, the latest one
-- per (case, party) is the one that stands.

CREATE TABLE judgments (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id     uuid NOT NULL REFERENCES cases (id),
  party_id    uuid NOT NULL,
  verdict     text NOT NULL CHECK (verdict IN ('CONVICTED', 'ACQUITTED', 'LIABLE', 'NOT_LIABLE', 'DISMISSED')),
  offence     text CHECK (length(offence) BETWEEN 1 AND 300),
  sentence    text CHECK (length(sentence) BETWEEN 1 AND 300),
  decided_on  date NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  -- The judged party belongs to the judged case.
  CONSTRAINT judgments_party_in_case FOREIGN KEY (party_id, case_id) REFERENCES case_parties (id, case_id),
  CONSTRAINT judgments_conviction_names_offence CHECK (verdict <> 'CONVICTED' OR offence IS NOT NULL)
);
CREATE INDEX judgments_by_case ON judgments (case_id, decided_on, recorded_at, id);
CREATE INDEX judgments_by_party ON judgments (party_id, decided_on, recorded_at, id);
CREATE TRIGGER judgments_append_only BEFORE UPDATE OR DELETE ON judgments
  FOR EACH ROW EXECUTE FUNCTION justice_refuse_change();
CREATE TRIGGER judgments_no_truncate BEFORE TRUNCATE ON judgments
  FOR EACH STATEMENT EXECUTE FUNCTION justice_refuse_change();

-- ---------------------------------------------------------------------------
-- Electronic evidence metadata (append-only). The encrypted content comes later;
-- the SHA-256 digest registered here is what will be anchored.

CREATE TABLE evidence (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  case_id        uuid NOT NULL REFERENCES cases (id),
  title          text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  media_type     text NOT NULL CHECK (length(media_type) <= 255 AND media_type ~ '^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$'),
  size_bytes     bigint NOT NULL CHECK (size_bytes >= 1),
  content_digest text NOT NULL CHECK (content_digest ~ '^[0-9a-f]{64}$'),
  submitted_by   text NOT NULL CHECK (submitted_by LIKE 'did:%' AND length(submitted_by) <= 256),
  submitted_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT evidence_digest_unique_in_case UNIQUE (case_id, content_digest)
);
CREATE INDEX evidence_by_case ON evidence (case_id, submitted_at, id);
CREATE TRIGGER evidence_append_only BEFORE UPDATE OR DELETE ON evidence
  FOR EACH ROW EXECUTE FUNCTION justice_refuse_change();
CREATE TRIGGER evidence_no_truncate BEFORE TRUNCATE ON evidence
  FOR EACH STATEMENT EXECUTE FUNCTION justice_refuse_change();

-- ---------------------------------------------------------------------------
-- Evidence access requests and the judge's decisions (both append-only).

CREATE TABLE evidence_access_requests (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  evidence_id  uuid NOT NULL REFERENCES evidence (id),
  requester    text NOT NULL CHECK (requester LIKE 'did:%' AND length(requester) <= 256),
  reason       text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
  requested_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX evidence_access_requests_by_evidence ON evidence_access_requests (evidence_id, requested_at, id);
CREATE TRIGGER evidence_access_requests_append_only BEFORE UPDATE OR DELETE ON evidence_access_requests
  FOR EACH ROW EXECUTE FUNCTION justice_refuse_change();
CREATE TRIGGER evidence_access_requests_no_truncate BEFORE TRUNCATE ON evidence_access_requests
  FOR EACH STATEMENT EXECUTE FUNCTION justice_refuse_change();

CREATE TABLE evidence_access_decisions (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  request_id uuid NOT NULL REFERENCES evidence_access_requests (id),
  decision   text NOT NULL CHECK (decision IN ('APPROVED', 'REJECTED')),
  judge      text NOT NULL CHECK (judge LIKE 'did:%' AND length(judge) <= 256),
  note       text CHECK (length(note) BETWEEN 1 AND 1000),
  decided_at timestamptz NOT NULL DEFAULT now(),
  -- A request is decided once: a second decision collides here even when two judges race.
  CONSTRAINT evidence_access_decisions_once UNIQUE (request_id)
);
CREATE TRIGGER evidence_access_decisions_append_only BEFORE UPDATE OR DELETE ON evidence_access_decisions
  FOR EACH ROW EXECUTE FUNCTION justice_refuse_change();
CREATE TRIGGER evidence_access_decisions_no_truncate BEFORE TRUNCATE ON evidence_access_decisions
  FOR EACH STATEMENT EXECUTE FUNCTION justice_refuse_change();

-- A request's status is derived from its decision: PENDING until one exists.
CREATE VIEW evidence_access_requests_with_status AS
SELECT r.id, r.evidence_id, r.requester, r.reason, r.requested_at,
       COALESCE(d.decision, 'PENDING') AS status,
       d.id AS decision_id, d.judge AS decided_by, d.decided_at, d.note
  FROM evidence_access_requests r
  LEFT JOIN evidence_access_decisions d ON d.request_id = r.id;

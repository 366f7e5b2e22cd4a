-- Education department: institutions, enrolments (with their status history),
-- course results, degrees, credit transfers and learning resources.
--
-- Times are stored at millisecond precision: the API carries ISO-8601 strings
-- with milliseconds, so a stored time and the time a client saw (and a keyset
-- cursor built from it) are the same value.
--
-- Course results, degrees, credit transfers, learning resources and enrolment
-- status changes are append-only: triggers refuse UPDATE, DELETE and TRUNCATE.
-- An enrolment may only change its status (ACTIVE -> COMPLETED | WITHDRAWN) and
-- end date, once; every status it takes is copied into enrolment_status_changes.

CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = '55000';
END
$$;

CREATE TABLE institutions (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- "C" collation: the same page order on PGlite and on any PostgreSQL server locale.
  name text COLLATE "C" NOT NULL CHECK (length(name) BETWEEN 2 AND 200),
  code text NOT NULL CONSTRAINT institutions_code_key UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{1,31}$'),
  kind text NOT NULL CHECK (kind IN ('UNIVERSITY', 'COLLEGE', 'VOCATIONAL', 'SCHOOL')),
  city text NOT NULL CHECK (length(city) BETWEEN 1 AND 100),
  country text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
  recorded_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
);
CREATE INDEX institutions_page ON institutions (name, id);

CREATE TABLE enrolments (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  student_did text NOT NULL CHECK (student_did LIKE 'did:%' AND length(student_did) <= 256),
  institution_id uuid NOT NULL REFERENCES institutions (id),
  programme text NOT NULL CHECK (length(programme) BETWEEN 2 AND 200),
  level text NOT NULL CHECK (level IN ('CERTIFICATE', 'DIPLOMA', 'BACHELOR', 'MASTER', 'DOCTORATE')),
  start_date date NOT NULL,
  end_date date,
  status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'COMPLETED', 'WITHDRAWN')),
  recorded_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  CONSTRAINT enrolments_end_iff_ended CHECK ((status = 'ACTIVE') = (end_date IS NULL)),
  CONSTRAINT enrolments_end_after_start CHECK (end_date IS NULL OR end_date >= start_date),
  -- Target of the composite foreign keys below: a course result or degree cannot
  -- name a student or institution other than its enrolment's.
  CONSTRAINT enrolments_identity UNIQUE (id, student_did, institution_id)
);
-- At most one ACTIVE enrolment per student, institution and programme.
CREATE UNIQUE INDEX enrolments_one_active ON enrolments (student_did, institution_id, programme) WHERE status = 'ACTIVE';
CREATE INDEX enrolments_by_student ON enrolments (student_did, start_date, id);
CREATE INDEX enrolments_by_institution ON enrolments (institution_id);

CREATE TABLE enrolment_status_changes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  enrolment_id uuid NOT NULL REFERENCES enrolments (id),
  status text NOT NULL CHECK (status IN ('ACTIVE', 'COMPLETED', 'WITHDRAWN')),
  effective_on date NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
);
CREATE INDEX enrolment_status_changes_by_enrolment ON enrolment_status_changes (enrolment_id, id);
CREATE TRIGGER enrolment_status_changes_append_only BEFORE UPDATE OR DELETE ON enrolment_status_changes
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER enrolment_status_changes_no_truncate BEFORE TRUNCATE ON enrolment_status_changes
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- An enrolment is never deleted; only an ACTIVE one may end, and nothing else about it changes.
CREATE FUNCTION guard_enrolment_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'enrolments are never deleted' USING ERRCODE = '55000';
  END IF;
  IF (NEW.id, NEW.student_did, NEW.institution_id, NEW.programme, NEW.level, NEW.start_date, NEW.recorded_at)
     IS DISTINCT FROM (OLD.id, OLD.student_did, OLD.institution_id, OLD.programme, OLD.level, OLD.start_date, OLD.recorded_at) THEN
    RAISE EXCEPTION 'an enrolment may only change its status and end date' USING ERRCODE = '55000';
  END IF;
  IF OLD.status <> 'ACTIVE' AND (NEW.status, NEW.end_date) IS DISTINCT FROM (OLD.status, OLD.end_date) THEN
    RAISE EXCEPTION 'enrolment % has already ended (%)', OLD.id, OLD.status USING ERRCODE = '55000';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER enrolments_guard BEFORE UPDATE OR DELETE ON enrolments
  FOR EACH ROW EXECUTE FUNCTION guard_enrolment_change();
CREATE TRIGGER enrolments_no_truncate BEFORE TRUNCATE ON enrolments
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The history is written by the database itself, so no code path can change a status without a trace.
CREATE FUNCTION record_enrolment_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
    INSERT INTO enrolment_status_changes (enrolment_id, status, effective_on)
    VALUES (NEW.id, NEW.status, COALESCE(NEW.end_date, NEW.start_date));
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER enrolments_history AFTER INSERT OR UPDATE ON enrolments
  FOR EACH ROW EXECUTE FUNCTION record_enrolment_status();

CREATE TABLE course_results (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  enrolment_id uuid NOT NULL,
  -- Copied from the enrolment (and held to it by the foreign key) for per-citizen lookups.
  student_did text NOT NULL,
  institution_id uuid NOT NULL,
  course_code text NOT NULL CHECK (course_code ~ '^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,31}$'),
  course_title text NOT NULL CHECK (length(course_title) BETWEEN 1 AND 200),
  credits numeric(3, 1) NOT NULL CHECK (credits > 0 AND credits <= 60),
  grade text NOT NULL CHECK (grade ~ '^(A\+|A-|A|B\+|B-|B|C\+|C-|C|D\+|D-|D|F|P|100|[1-9]?[0-9])$'),
  -- F fails, and so does a percentage below 60; every other grade passes.
  passed boolean GENERATED ALWAYS AS (
    CASE WHEN grade = 'F' THEN false WHEN grade ~ '^[0-9]+$' THEN grade::int >= 60 ELSE true END
  ) STORED,
  term text NOT NULL CHECK (term ~ '^[0-9]{4}-(spring|summer|autumn|winter)$'),
  completed_on date NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  FOREIGN KEY (enrolment_id, student_did, institution_id) REFERENCES enrolments (id, student_did, institution_id),
  CONSTRAINT course_results_once_per_term UNIQUE (enrolment_id, course_code, term),
  CONSTRAINT course_results_identity UNIQUE (id, student_did, institution_id)
);
CREATE INDEX course_results_by_student ON course_results (student_did, completed_on, id);
CREATE INDEX course_results_by_enrolment ON course_results (enrolment_id, completed_on, id);
CREATE TRIGGER course_results_append_only BEFORE UPDATE OR DELETE ON course_results
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER course_results_no_truncate BEFORE TRUNCATE ON course_results
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE TABLE degrees (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  enrolment_id uuid NOT NULL CONSTRAINT degrees_one_per_enrolment UNIQUE,
  holder_did text NOT NULL,
  institution_id uuid NOT NULL REFERENCES institutions (id),
  title text NOT NULL CHECK (length(title) BETWEEN 2 AND 200),
  field text NOT NULL CHECK (length(field) BETWEEN 2 AND 200),
  level text NOT NULL CHECK (level IN ('CERTIFICATE', 'DIPLOMA', 'BACHELOR', 'MASTER', 'DOCTORATE')),
  honours text CHECK (length(honours) BETWEEN 1 AND 200),
  awarded_on date NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  FOREIGN KEY (enrolment_id, holder_did, institution_id) REFERENCES enrolments (id, student_did, institution_id)
);
CREATE INDEX degrees_by_holder ON degrees (holder_did, awarded_on, id);
CREATE INDEX degrees_by_institution ON degrees (institution_id);
CREATE TRIGGER degrees_append_only BEFORE UPDATE OR DELETE ON degrees
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER degrees_no_truncate BEFORE TRUNCATE ON degrees
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE TABLE credit_transfers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  course_result_id uuid NOT NULL,
  student_did text NOT NULL,
  from_institution_id uuid NOT NULL,
  to_institution_id uuid NOT NULL REFERENCES institutions (id),
  credits_recognised numeric(3, 1) NOT NULL CHECK (credits_recognised > 0 AND credits_recognised <= 60),
  recognised_as text CHECK (length(recognised_as) BETWEEN 1 AND 200),
  recognised_on date NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  -- The result must be this student's, taken at from_institution_id.
  FOREIGN KEY (course_result_id, student_did, from_institution_id) REFERENCES course_results (id, student_did, institution_id),
  CONSTRAINT credit_transfers_other_institution CHECK (to_institution_id <> from_institution_id),
  CONSTRAINT credit_transfers_once_per_institution UNIQUE (course_result_id, to_institution_id)
);
CREATE INDEX credit_transfers_by_student ON credit_transfers (student_did, recognised_on, id);
CREATE INDEX credit_transfers_by_to_institution ON credit_transfers (to_institution_id);
CREATE INDEX credit_transfers_by_from_institution ON credit_transfers (from_institution_id);
CREATE TRIGGER credit_transfers_append_only BEFORE UPDATE OR DELETE ON credit_transfers
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER credit_transfers_no_truncate BEFORE TRUNCATE ON credit_transfers
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

CREATE TABLE learning_resources (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
  author_did text NOT NULL CHECK (author_did LIKE 'did:%' AND length(author_did) <= 256),
  content_digest text NOT NULL CONSTRAINT learning_resources_digest_key UNIQUE CHECK (content_digest ~ '^[0-9a-f]{64}$'),
  media_type text NOT NULL CHECK (length(media_type) BETWEEN 3 AND 127),
  license text NOT NULL CHECK (length(license) BETWEEN 1 AND 64),
  institution_id uuid REFERENCES institutions (id),
  first_published_at timestamptz NOT NULL
);
CREATE INDEX learning_resources_page ON learning_resources (first_published_at, id);
CREATE INDEX learning_resources_by_author ON learning_resources (author_did, first_published_at, id);
CREATE INDEX learning_resources_by_institution ON learning_resources (institution_id);

-- The time of first publication is the register's clock, never the caller's: it is the proof.
CREATE FUNCTION stamp_first_publication() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.first_published_at := date_trunc('milliseconds', now());
  RETURN NEW;
END
$$;
CREATE TRIGGER learning_resources_stamp BEFORE INSERT ON learning_resources
  FOR EACH ROW EXECUTE FUNCTION stamp_first_publication();
CREATE TRIGGER learning_resources_append_only BEFORE UPDATE OR DELETE ON learning_resources
  FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER learning_resources_no_truncate BEFORE TRUNCATE ON learning_resources
  FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

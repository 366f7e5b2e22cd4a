-- Credentials a department issues (issue 5), in the department's own database beside its
-- records. Applied to every department under the 'credentials/' namespace, like the log's.
--
-- Status lists (W3C Bitstring Status List v1.0) come in series: a series is one random
-- allocation of indexes, shared by its revocation list and its suspension list, so a
-- credential has the SAME index in both (see allocate-status-index.ts for why). Bits are not
-- stored: a list's bits are derived from issued_credentials (revoked / suspended) whenever the
-- list is signed, so the served list can only say what the audited rows say.

CREATE TABLE status_list_series (
  id               integer PRIMARY KEY CHECK (id >= 1),
  -- §2.2: at least 16 KB uncompressed (131,072 entries).
  length           integer NOT NULL CHECK (length >= 131072 AND length % 8 = 0),
  -- Which indexes are allocated, one bit each (index 0 = most significant bit of byte 0, as in
  -- the lists). Allocation, not status: an index once given is never given again, even after
  -- its credential expired, so one status change can never touch two credentials.
  allocated        bytea   NOT NULL,
  allocated_count  integer NOT NULL DEFAULT 0 CHECK (allocated_count >= 0 AND allocated_count <= length),
  created_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (octet_length(allocated) * 8 = length)
);

CREATE TABLE status_lists (
  -- The last segment of the list's URL: <publicUrl>/status/<department>/<id>.
  id              text    PRIMARY KEY CHECK (id ~ '^[a-z0-9-]{1,64}$'),
  series          integer NOT NULL REFERENCES status_list_series (id),
  purpose         text    NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
  -- +1 with every change of one of its bits, in the transaction that changes it.
  version         integer NOT NULL DEFAULT 1 CHECK (version >= 1),
  -- The signed list credential (compact JWS) of `signed_version`, served as is until the list
  -- changes, the department's key changes or it nears `valid_until`.
  signed_jwt      text,
  signed_version  integer,
  -- Address of the key that signed it (a rotation re-signs).
  signed_by       text,
  etag            text,
  valid_until     timestamptz,
  CONSTRAINT status_lists_one_per_purpose UNIQUE (series, purpose)
);

CREATE TABLE issued_credentials (
  -- The credential's jti: urn:govshare:vc:<256 random bits>.
  id                 text        PRIMARY KEY CHECK (id ~ '^urn:govshare:vc:[A-Za-z0-9_-]{43}$'),
  type               text        NOT NULL CHECK (type ~ '^[A-Z][A-Za-z0-9]{1,63}$'),
  subject_did        text        NOT NULL CHECK (subject_did LIKE 'did:%' AND length(subject_did) <= 256),
  issuer_did         text        NOT NULL CHECK (issuer_did LIKE 'did:%'),
  -- Who signed the request: the subject, or an officer.
  requested_by       text        NOT NULL CHECK (requested_by LIKE 'did:%'),
  -- Where the claims came from: the department's records (and which one), or an officer.
  claims_source      text        NOT NULL CHECK (claims_source IN ('RECORDS', 'OFFICER')),
  record_id          text,
  issued_at          timestamptz NOT NULL,
  expires_at         timestamptz CHECK (expires_at > issued_at),
  -- SHA-256 of the credential's signing input, hex: its leaf in the department's log.
  digest             text        NOT NULL UNIQUE CHECK (digest ~ '^[0-9a-f]{64}$'),
  status_series      integer     NOT NULL REFERENCES status_list_series (id),
  status_index       integer     NOT NULL CHECK (status_index >= 0),
  revoked            boolean     NOT NULL DEFAULT false,
  suspended          boolean     NOT NULL DEFAULT false,
  status_reason      text        CHECK (length(status_reason) BETWEEN 1 AND 500),
  status_changed_by  text,
  status_changed_at  timestamptz,
  CONSTRAINT issued_credentials_one_index UNIQUE (status_series, status_index)
);
CREATE INDEX issued_credentials_by_subject ON issued_credentials (subject_did, issued_at);
-- What a list's bits are read from when it is signed.
CREATE INDEX issued_credentials_revoked ON issued_credentials (status_series, status_index) WHERE revoked;
CREATE INDEX issued_credentials_suspended ON issued_credentials (status_series, status_index) WHERE suspended;

-- An issued credential is never deleted, and only its status may change; revocation is final.
CREATE FUNCTION issued_credentials_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
    RAISE EXCEPTION 'issued credentials are never deleted' USING ERRCODE = '55000';
  END IF;
  IF (NEW.id, NEW.type, NEW.subject_did, NEW.issuer_did, NEW.requested_by, NEW.claims_source, NEW.record_id,
      NEW.issued_at, NEW.expires_at, NEW.digest, NEW.status_series, NEW.status_index)
     IS DISTINCT FROM (OLD.id, OLD.type, OLD.subject_did, OLD.issuer_did, OLD.requested_by, OLD.claims_source, OLD.record_id,
      OLD.issued_at, OLD.expires_at, OLD.digest, OLD.status_series, OLD.status_index) THEN
    RAISE EXCEPTION 'an issued credential may only change its status' USING ERRCODE = '55000';
  END IF;
  IF OLD.revoked AND NOT NEW.revoked THEN
    RAISE EXCEPTION 'credential % is revoked: revocation is final', OLD.id USING ERRCODE = '55000';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER issued_credentials_guard BEFORE UPDATE OR DELETE ON issued_credentials
  FOR EACH ROW EXECUTE FUNCTION issued_credentials_guard();
CREATE TRIGGER issued_credentials_no_truncate BEFORE TRUNCATE ON issued_credentials
  FOR EACH STATEMENT EXECUTE FUNCTION issued_credentials_guard();

-- Signed requests already served (replay protection), kept until they expire.
CREATE TABLE used_requests (
  caller      text        NOT NULL,
  request_id  text        NOT NULL,
  purpose     text        NOT NULL,
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (caller, request_id)
);
CREATE INDEX used_requests_expiry ON used_requests (expires_at);

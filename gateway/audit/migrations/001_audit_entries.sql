-- The gateway's audit trail (issue 6). Every row of both tables is logged in the gateway's
-- Merkle log (record_log, same database) in the transaction that writes it, and anchored like a
-- department's records. Rows are never updated or deleted.
--
-- No personal data VALUES are kept: who asked (an agency DID), for what, under which agreement,
-- which FIELDS of which citizens (by DID) were released, and digests of request and response.
-- What was released about each citizen is a row of its own (audit_releases), so a citizen can be
-- shown, and can verify against the anchored log, exactly their rows and the request rows they
-- belong to, without learning whom else the same request concerned.

-- One row per request, granted or denied.
CREATE TABLE audit_entries (
  id             uuid        PRIMARY KEY,
  at             timestamptz NOT NULL,
  request_id     text        NOT NULL,
  -- NULL for an anonymous caller.
  agency_did     text,
  purpose        text,
  -- granted: everything asked was released; filtered: some fields removed by policy; denied:
  -- the operation refused by policy; refused: stopped before policy (authentication, limits,
  -- a malformed request).
  decision       text        NOT NULL CHECK (decision IN ('granted', 'filtered', 'denied', 'refused')),
  -- The stable code of a refusal or of the policy outcome (e.g. UNAUTHENTICATED, UNAUTHORIZED_FIELD).
  code           text,
  operation_name text,
  -- Hex SHA-256 of the operation text, of the request body and of the response body.
  operation_hash text,
  request_hash   text        NOT NULL,
  response_hash  text        NOT NULL,
  -- [{ "id": <agreement id>, "categories": [...], "legalBasis": "consent" | "statute" }]
  agreements     jsonb       NOT NULL DEFAULT '[]',
  subgraphs      text[]      NOT NULL DEFAULT '{}',
  -- Response paths removed by policy.
  denied_paths   text[]      NOT NULL DEFAULT '{}',
  citizen_count  integer     NOT NULL DEFAULT 0
);
CREATE INDEX audit_entries_at ON audit_entries (at);

-- What one request released about one citizen.
CREATE TABLE audit_releases (
  id           uuid   PRIMARY KEY,
  entry_id     uuid   NOT NULL REFERENCES audit_entries (id),
  citizen_did  text   NOT NULL,
  -- "Type.field" coordinates released about this citizen.
  fields       text[] NOT NULL,
  categories   text[] NOT NULL DEFAULT '{}',
  -- The consent credential the release relied on, when its agreement's basis is consent.
  consent      text
);
CREATE INDEX audit_releases_citizen ON audit_releases (citizen_did, entry_id);

CREATE FUNCTION refuse_audit_rewrite() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
END $$;
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
  FOR EACH ROW EXECUTE FUNCTION refuse_audit_rewrite();
CREATE TRIGGER audit_releases_append_only BEFORE UPDATE OR DELETE ON audit_releases
  FOR EACH ROW EXECUTE FUNCTION refuse_audit_rewrite();

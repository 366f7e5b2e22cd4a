-- Citizens' consents (issue 6), in the department's own database beside the records they
-- release: the department holding the data is the controller, so the consent is registered,
-- kept as evidence, anchored (a recorded table: every version logged in the Merkle log) and
-- checked here. Applied to every department under the 'consent/' namespace.
--
-- A consent is never deleted: revocation is a new version of its row (revoked, when, by whom),
-- logged like the first, so `govshare audit` sees both and the log proves when it happened.

CREATE TABLE consents (
  -- The consent credential's jti: urn:govshare:consent:<256 random bits>.
  id             text        PRIMARY KEY CHECK (id ~ '^urn:govshare:consent:[A-Za-z0-9_-]{43}$'),
  citizen_did    text        NOT NULL CHECK (citizen_did LIKE 'did:%' AND length(citizen_did) <= 256),
  -- The identities compared at each request: did:ethr lower-cased (an address is
  -- case-insensitive), other methods as written (credentials/consent/identity-of.ts).
  citizen_key    text        NOT NULL,
  agency_did     text        NOT NULL CHECK (agency_did LIKE 'did:%' AND length(agency_did) <= 256),
  agency_key     text        NOT NULL,
  purpose        text        NOT NULL CHECK (purpose ~ '^[a-z][a-z0-9-]{1,63}$'),
  categories     text[]      NOT NULL CHECK (cardinality(categories) BETWEEN 1 AND 32),
  valid_from     timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL CHECK (expires_at > valid_from),
  -- The citizen's signed consent as registered: the evidence (and what the digest is of).
  credential     text        NOT NULL CHECK (length(credential) <= 16384),
  -- SHA-256 of its signing input, hex: one consent, one digest.
  digest         text        NOT NULL UNIQUE CHECK (digest ~ '^[0-9a-f]{64}$'),
  registered_at  timestamptz NOT NULL,
  revoked        boolean     NOT NULL DEFAULT false,
  revoked_at     timestamptz,
  -- The DID whose signed request revoked it (the citizen).
  revoked_by     text,
  CONSTRAINT consents_revocation_complete CHECK (revoked = (revoked_at IS NOT NULL) AND revoked = (revoked_by IS NOT NULL))
);
-- The look-up of every consent-bound request: this citizen, this agency, this purpose, in force.
CREATE INDEX consents_in_force ON consents (citizen_key, agency_key, purpose, expires_at) WHERE NOT revoked;

-- A consent is never deleted, nothing but its revocation ever changes, and revocation is final.
CREATE FUNCTION consents_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
    RAISE EXCEPTION 'consents are never deleted: revoke them' USING ERRCODE = '55000';
  END IF;
  IF (NEW.id, NEW.citizen_did, NEW.citizen_key, NEW.agency_did, NEW.agency_key, NEW.purpose, NEW.categories,
      NEW.valid_from, NEW.expires_at, NEW.credential, NEW.digest, NEW.registered_at)
     IS DISTINCT FROM (OLD.id, OLD.citizen_did, OLD.citizen_key, OLD.agency_did, OLD.agency_key, OLD.purpose, OLD.categories,
      OLD.valid_from, OLD.expires_at, OLD.credential, OLD.digest, OLD.registered_at) THEN
    RAISE EXCEPTION 'a consent may only be revoked' USING ERRCODE = '55000';
  END IF;
  IF OLD.revoked THEN
    RAISE EXCEPTION 'consent % is revoked: revocation is final', OLD.id USING ERRCODE = '55000';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER consents_guard BEFORE UPDATE OR DELETE ON consents
  FOR EACH ROW EXECUTE FUNCTION consents_guard();
CREATE TRIGGER consents_no_truncate BEFORE TRUNCATE ON consents
  FOR EACH STATEMENT EXECUTE FUNCTION consents_guard();

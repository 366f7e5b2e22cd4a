-- Leaves whose data is not a salted record digest (issue 5): an issued credential is
-- anchored by SHA-256 of its JWS signing input (DESIGN.md, trust model), which a verifier
-- recomputes from the credential alone. Its random jti (>= 128 bits) already makes that
-- digest unguessable, so there is no salt to store.
--
-- salt IS NULL therefore means "the digest is not SHA-256(salt || JCS(record))": readers
-- that re-hash records (check-records, assert-logged-version, record proofs) only look at
-- salted entries. The 32-byte CHECK stays as it is: a CHECK on NULL is not violated, and
-- any salt that is stored must still be 32 bytes.
ALTER TABLE record_log ALTER COLUMN salt DROP NOT NULL;

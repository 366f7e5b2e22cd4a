-- A citizen's own listing (myDepartmentConsents): every consent of one citizen, whatever its
-- status, newest first. consents_in_force leaves revoked rows out, so it cannot serve this.
CREATE INDEX consents_by_citizen ON consents (citizen_key, registered_at DESC);

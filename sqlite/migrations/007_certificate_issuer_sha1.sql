-- 007_certificate_issuer_sha1: a machine JWT's sub may name its
-- certificate by the SHA-1 thumbprint (the Identity and Access build
-- pack's example does), and the operator may record the iss its JWTs must
-- carry. SQLite cannot hash, so sha1 is filled in by contactd right after
-- the migrations (registrydb.FillSHA1); it is NULL only until then.
ALTER TABLE reg_certificate ADD COLUMN sha1 TEXT
    CHECK (sha1 IS NULL OR (length(sha1) = 40 AND sha1 NOT GLOB '*[^0-9A-F]*'));
ALTER TABLE reg_certificate ADD COLUMN issuer TEXT NOT NULL DEFAULT '';

CREATE UNIQUE INDEX reg_certificate_by_sha1 ON reg_certificate (sha1);

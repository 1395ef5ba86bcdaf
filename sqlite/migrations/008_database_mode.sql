-- 008_database_mode: whether the database is a sandbox, recorded once by
-- the first contactd that serves or seeds it (Store.ClaimMode), so that the
-- sandbox, which accepts unsigned tokens, never opens production data and
-- production never serves a sandbox's. A database that already holds
-- customers when the mode is first recorded is recorded as production.
CREATE TABLE database_mode (
    one     INTEGER PRIMARY KEY CHECK (one = 1),
    sandbox INTEGER NOT NULL CHECK (sandbox IN (0, 1)),
    claimed INTEGER NOT NULL -- Unix seconds
) STRICT;

CREATE TRIGGER database_mode_fixed BEFORE UPDATE ON database_mode
BEGIN
    SELECT RAISE(ABORT, 'database_mode: recorded once, never changed');
END;

CREATE TRIGGER database_mode_kept BEFORE DELETE ON database_mode
BEGIN
    SELECT RAISE(ABORT, 'database_mode: recorded once, never removed');
END;

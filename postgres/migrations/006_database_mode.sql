-- 006_database_mode: as the SQLite store's 008. Whether the database is a
-- sandbox, recorded once by the first contactd that serves or seeds it
-- (Store.ClaimMode), so that the sandbox, which accepts unsigned tokens,
-- never opens production data and production never serves a sandbox's. A
-- database that already holds customers when the mode is first recorded
-- is recorded as production.
CREATE TABLE database_mode (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    sandbox boolean NOT NULL,
    claimed timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION database_mode_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'database_mode: recorded once, never changed or removed';
END $$;

CREATE TRIGGER database_mode_fixed BEFORE UPDATE OR DELETE ON database_mode
    FOR EACH ROW EXECUTE FUNCTION database_mode_fixed();

// Package scaleout holds the tests that run several contactd processes on
// one PostgreSQL database: conflicting writes sent to every replica at
// once (the invariants hold, each answer matches the database), and the
// database cut off and given back mid-run (requests fail fast with EU6001,
// /readyz with 503, and service resumes by itself).
//
// They build the contactd binary, and run when CONTACTD_TEST_POSTGRES
// names a PostgreSQL database (each test in a schema of its own); without
// it they skip. See docs/postgres.md.
package scaleout

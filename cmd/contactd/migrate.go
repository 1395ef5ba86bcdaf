package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/contactd/contactd/postgres"
	"github.com/contactd/contactd/sqlite"
)

// migrateCommand applies the schema migrations to the database and exits:
// run it once before starting (or upgrading) replicas on PostgreSQL.
// Replicas also migrate when they start, under the same advisory lock, so
// that running it is not required, only tidier.
func migrateCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := "contactd.db"
	if v := getenv("CONTACTD_DB"); v != "" {
		db = v
	}
	fs.StringVar(&db, "db", db, "database: a postgres:// URL, or a SQLite `file` (CONTACTD_DB)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: contactd migrate [--db URL|file]

Brings the database's schema up to date and exits. On PostgreSQL the
migrations run under an advisory lock, so replicas starting at the same
time (which migrate too) wait for it rather than race. A SQLite file is
migrated whenever contactd opens it; migrate then only opens it.

Flags:
`)
		fs.PrintDefaults()
		fmt.Fprint(stderr, `
Examples:
  contactd migrate --db 'postgres://contactd@db.internal:5432/contactd?sslmode=verify-full'
  CONTACTD_DB=contactd.db contactd migrate
`)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("migrate takes no arguments, got %q (flags go before arguments)", fs.Args())
	}
	if !postgres.IsURL(db) {
		s, err := sqlite.Open(ctx, db)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", db, err)
		}
		if err := s.Close(); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: schema up to date\n", db)
		return nil
	}
	applied, err := postgres.Migrate(ctx, postgres.Config{URL: db})
	if len(applied) > 0 {
		fmt.Fprintf(stdout, "%s: applied migrations %v\n", dbName(db), applied)
	}
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(stdout, "%s: schema up to date\n", dbName(db))
	}
	return nil
}

package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contactd/contactd/postgres"
	"github.com/contactd/contactd/postgres/pgtest"
	"github.com/contactd/contactd/sqlite"
)

func TestMigrateCommand(t *testing.T) {
	ctx := context.Background()
	migrate := func(t *testing.T, env map[string]string, args ...string) (string, error) {
		t.Helper()
		var out, errOut bytes.Buffer
		err := run(ctx, append([]string{"migrate"}, args...), func(k string) string { return env[k] }, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	t.Run("SQLite", func(t *testing.T) {
		db := filepath.Join(t.TempDir(), "m.db")
		out, err := migrate(t, map[string]string{"CONTACTD_DB": db})
		if err != nil || !strings.Contains(out, "up to date") {
			t.Fatalf("migrate: %v\n%s", err, out)
		}
		s, err := sqlite.Open(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		_, db := pgtest.Schema(t)
		out, err := migrate(t, nil, "--db", db)
		if err != nil || !strings.Contains(out, "applied migrations [1 2 3 4 5 6 7]") {
			t.Fatalf("migrate: %v\n%s", err, out)
		}
		out, err = migrate(t, nil, "--db", db)
		if err != nil || !strings.Contains(out, "up to date") {
			t.Fatalf("migrate again: %v\n%s", err, out)
		}
		// a migrated schema opens without migrating
		s, err := postgres.OpenConfig(ctx, postgres.Config{URL: db, NoMigrate: true})
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	})
	t.Run("Errors", func(t *testing.T) {
		if _, err := migrate(t, nil, "--db", "postgres://127.0.0.1:1/none?connect_timeout=1", "extra"); err == nil {
			t.Error("migrate with an argument succeeded")
		}
		out, err := migrate(t, nil, "--db", "postgres://user:secret@127.0.0.1:1/none?connect_timeout=1")
		if err == nil || strings.Contains(out+err.Error(), "secret") {
			t.Errorf("migrate of an unreachable database: %v\n%s (the password must not show)", err, out)
		}
	})
}

func TestOpenStore(t *testing.T) {
	ctx := context.Background()
	s, err := openStore(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(*sqlite.Store); !ok {
		t.Errorf("a file opened as %T", s)
	}
	s.Close()
	if got := dbName("postgres://u:pw@h/db?sslmode=disable"); strings.Contains(got, "pw") {
		t.Errorf("dbName shows the password: %s", got)
	}
	_, db := pgtest.Schema(t)
	for _, scheme := range []string{"postgres://", "postgresql://"} {
		s, err := openStore(ctx, scheme+strings.TrimPrefix(db, "postgres://"))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := s.(*postgres.Store); !ok {
			t.Errorf("%s opened as %T", scheme, s)
		}
		s.Close()
	}
}

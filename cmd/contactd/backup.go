package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/contactd/contactd/postgres"
	"github.com/contactd/contactd/sqlite"
)

const backupUsage = `Usage: contactd backup --db FILE OUT

Writes a consistent copy of the SQLite database FILE into the new file OUT
while contactd goes on serving and writing it, then checks the copy
(PRAGMA integrity_check, the schema version, the invariants). The copy
holds every write acknowledged before the backup began. For PostgreSQL use
pg_dump or continuous archiving (docs/data.md).

Flags:
`

func backupCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := getenv("CONTACTD_DB")
	fs.StringVar(&db, "db", db, "the SQLite database `file` to copy (CONTACTD_DB)")
	fs.Usage = func() {
		fmt.Fprint(stderr, backupUsage)
		fs.PrintDefaults()
		fmt.Fprint(stderr, `
Example:
  contactd backup --db /var/lib/contactd/contactd.db /backup/contactd-nightly.db
`)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("backup takes one OUT file, got %q (flags go before it)", fs.Args())
	}
	if postgres.IsURL(db) {
		return errors.New("backup copies SQLite files; for PostgreSQL use pg_dump or continuous archiving (docs/data.md)")
	}
	if db == "" {
		return errors.New("--db: name the SQLite file to copy")
	}
	start := time.Now()
	out := fs.Arg(0)
	if err := sqlite.Backup(ctx, db, out); err != nil {
		return err
	}
	fi, err := os.Stat(out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%.1f MB) in %s; integrity and invariants checked\n",
		db, out, float64(fi.Size())/1e6, time.Since(start).Round(time.Millisecond))
	return nil
}

const restoreUsage = `Usage: contactd restore --db FILE BACKUP

Checks the backup BACKUP (as contactd backup does) and copies it to FILE,
the database contactd will serve. FILE must not exist: stop contactd and
move the old database (with its -wal and -shm files) aside first.

Flags:
`

func restoreCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := getenv("CONTACTD_DB")
	fs.StringVar(&db, "db", db, "the SQLite database `file` to create from the backup (CONTACTD_DB)")
	fs.Usage = func() {
		fmt.Fprint(stderr, restoreUsage)
		fs.PrintDefaults()
		fmt.Fprint(stderr, `
Example:
  contactd restore --db /var/lib/contactd/contactd.db /backup/contactd-2026-12-05.db
`)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("restore takes one BACKUP file, got %q (flags go before it)", fs.Args())
	}
	if postgres.IsURL(db) {
		return errors.New("restore writes SQLite files; for PostgreSQL use pg_restore (docs/data.md)")
	}
	if db == "" {
		return errors.New("--db: name the SQLite file to create")
	}
	for _, f := range []string{db, db + "-wal", db + "-shm"} {
		if _, err := os.Stat(f); err == nil {
			return fmt.Errorf("%s exists: stop contactd and move the old database (with its -wal and -shm files) aside first", f)
		}
	}
	backup := fs.Arg(0)
	if err := sqlite.Verify(ctx, backup); err != nil {
		return err
	}
	if err := copyFile(backup, db); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored %s from %s; start contactd on it\n", db, backup)
	return nil
}

// copyFile copies src to the new file dst through a temporary file in
// dst's directory, fsynced and then renamed, so that dst is whole or absent.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".restore-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(dst))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

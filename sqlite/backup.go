package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Backup writes a consistent copy of the database file src into the new
// file dst, while other connections, in this process or others, go on
// reading and writing src, and then checks the copy (Verify). The copy is
// made by VACUUM INTO in one read transaction: it holds every transaction
// committed before it began and nothing after, and it blocks no writer.
// The copy is fsynced before Backup returns.
func Backup(ctx context.Context, src, dst string) error {
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	// The copy is made readable by its owner only, as contactd's own files
	// are; VACUUM INTO writes into a file that exists if it is empty.
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("sqlite: backup: %s exists: give a new file", dst)
	}
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	f.Close()
	// a reader's connection is query_only, which VACUUM INTO refuses
	db, err := sql.Open(driverName, dsn(src, false))
	if err != nil {
		os.Remove(dst)
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		os.Remove(dst)
		return fmt.Errorf("sqlite: backup %s: %w", src, err)
	}
	if err := syncFile(dst); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	return Verify(ctx, dst)
}

// syncFile fsyncs a new file and its directory.
func syncFile(name string) error {
	for _, n := range []string{name, filepath.Dir(name)} {
		f, err := os.Open(n)
		if err != nil {
			return err
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// invariantChecks are queries that count the rows breaking one of the
// Store invariants; every count must be 0. The database holds these itself
// (migrations/001_init.sql), so a count above 0 means a damaged file or a
// change made around contactd.
var invariantChecks = []struct{ what, query string }{
	{"live contacts without 1 to 5 live phones", `SELECT COUNT(*) FROM contact c WHERE c.ceased IS NULL
AND (SELECT COUNT(*) FROM phone p WHERE p.contact_id = c.id AND p.ceased IS NULL) NOT BETWEEN 1 AND 5`},
	{"live phones of ceased contacts", `SELECT COUNT(*) FROM phone p JOIN contact c ON c.id = p.contact_id
WHERE p.ceased IS NULL AND c.ceased IS NOT NULL`},
	{"owners with two live contacts of one type", `SELECT COUNT(*) FROM (SELECT 1 FROM contact WHERE ceased IS NULL
GROUP BY customer_key, IFNULL(account_key, 0), contact_type HAVING COUNT(*) > 1)`},
	{"IDs held by both a contact and a phone", `SELECT COUNT(*) FROM contact c JOIN phone p ON p.id = c.id`},
	{"IDs at or above the ID sequence", `SELECT COUNT(*) FROM (SELECT id FROM contact UNION ALL SELECT id FROM phone)
WHERE id >= (SELECT next FROM id_sequence)`},
}

// Verify checks a database file without changing it: PRAGMA
// integrity_check and foreign_key_check, the schema version this program
// knows, and the Store invariants (one live contact per owner and type, 1
// to 5 live phones per live contact, IDs unique and below the sequence).
func Verify(ctx context.Context, file string) error {
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("sqlite: verify: %w", err)
	}
	u := fileURI(file, map[string][]string{"mode": {"ro"}}, true)
	db, err := sql.Open(driverName, u)
	if err != nil {
		return fmt.Errorf("sqlite: verify %s: %w", file, err)
	}
	defer db.Close()
	var problems []string
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return fmt.Errorf("sqlite: verify %s: %w", file, err)
	}
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: verify %s: %w", file, err)
		}
		if line != "ok" {
			problems = append(problems, "integrity_check: "+line)
		}
	}
	rows.Close()
	var fkBroken int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_foreign_key_check`).Scan(&fkBroken); err != nil {
		return fmt.Errorf("sqlite: verify %s: %w", file, err)
	}
	if fkBroken > 0 {
		problems = append(problems, fmt.Sprintf("foreign_key_check: %d rows", fkBroken))
	}
	ms, err := migrations()
	if err != nil {
		return err
	}
	var version int
	if err := db.QueryRowContext(ctx, `SELECT IFNULL(MAX(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return fmt.Errorf("sqlite: verify %s: not a contactd database: %w", file, err)
	}
	if want := ms[len(ms)-1].Version; version != want {
		problems = append(problems, fmt.Sprintf("schema version %d, this program's is %d", version, want))
	}
	for _, c := range invariantChecks {
		var n int
		if err := db.QueryRowContext(ctx, c.query).Scan(&n); err != nil {
			return fmt.Errorf("sqlite: verify %s: %s: %w", file, c.what, err)
		}
		if n > 0 {
			problems = append(problems, fmt.Sprintf("%s: %d", c.what, n))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("sqlite: verify %s: %w", file, errors.New(strings.Join(problems, "; ")))
	}
	return nil
}

package sqlite

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBackupAndVerify: a backup of a store is a checked copy; Verify finds
// an invariant broken around contactd, and a backup refuses to overwrite.
func TestBackupAndVerify(t *testing.T) {
	s, path := openTemp(t)
	if err := s.Load(ctx, smallDataset()); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "copy.db")
	if err := Backup(ctx, path, out); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the copy's mode: %v %v", fi.Mode(), err)
	}
	if err := Backup(ctx, path, out); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("a second backup to the same file: %v", err)
	}
	// the copy opens as a store and holds the data
	c, err := Open(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if empty, err := c.Empty(ctx); err != nil || empty {
		t.Fatalf("the copy is empty: %v", err)
	}
	c.Close()

	// a live contact's phones ceased behind the triggers' back
	db, err := sql.Open(driverName, dsn(out, false))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`DROP TRIGGER phone_at_least_1`, `UPDATE phone SET ceased = 1`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	err = Verify(ctx, out)
	if err == nil || !strings.Contains(err.Error(), "live contacts without 1 to 5 live phones") {
		t.Fatalf("Verify of a broken copy: %v", err)
	}
	if err := Verify(ctx, filepath.Join(t.TempDir(), "missing.db")); err == nil {
		t.Fatal("Verify of a missing file succeeded")
	}
}

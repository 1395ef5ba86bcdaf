package sqlite

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth/authtest"
)

// TestCertificateMigration: a certificate registered before migration 007
// is found by its SHA-1 thumbprint once the store opens (FillSHA1), with
// no issuer agreed.
func TestCertificateMigration(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v6.db")
	db, err := sql.Open(driverName, dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	if err := migrateTo(ctx, db, 6); err != nil {
		t.Fatal(err)
	}
	c := authtest.SelfSigned(t, "registered before 007", 1)
	if _, err := db.ExecContext(ctx, `INSERT INTO reg_party (party, kind) VALUES ('acme', 'intermediary')`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO reg_certificate (thumbprint, party, der, subject, not_before, not_after) VALUES (?, 'acme', ?, 'CN=x', ?, ?)`,
		c.Thumbprint(), c.Cert.Raw, c.Cert.NotBefore.Unix(), c.Cert.NotAfter.Unix()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Certificate(ctx, contactd.ThumbprintSHA1(c.Cert.Raw))
	if err != nil || got.Thumbprint != c.Thumbprint() || got.Issuer != "" {
		t.Fatalf("by SHA-1 after the migration: %+v, %v", got, err)
	}
}

package sandbox_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/sandbox"
	"github.com/contactd/contactd/sqlite"
)

// TestResetRefusesADatabaseThatIsNoSandbox: a reset deletes every
// customer, so it refuses a database with customers other than the
// personas, and deletes nothing.
func TestResetRefusesADatabaseThatIsNoSandbox(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "prod.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := sandbox.Seed(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := sandbox.Reset(ctx, s); err != nil {
		t.Fatalf("reset of a sandbox: %v", err)
	}
	other := contactd.CustomerID{Type: contactd.IRD, Value: "049091850"}
	if err := s.Load(ctx, contactd.Dataset{Customers: []contactd.Customer{{ID: other, Profile: json.RawMessage(`{}`)}}}); err != nil {
		t.Fatal(err)
	}
	err = sandbox.Reset(ctx, s)
	if err == nil || !strings.Contains(err.Error(), "049091850") {
		t.Fatalf("reset of a database with another customer: %v", err)
	}
	if _, err := s.Customer(ctx, other); err != nil {
		t.Errorf("the refused reset deleted the customer: %v", err)
	}
}

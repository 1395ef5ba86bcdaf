package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/contactd/contactd/sqlite"
	"github.com/contactd/contactd/storetest"
)

func TestRegistry(t *testing.T) {
	storetest.RunRegistry(t, func(t *testing.T) storetest.RegistryStore {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "registry.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

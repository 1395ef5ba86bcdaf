package postgres_test

import (
	"context"
	"testing"

	"github.com/contactd/contactd/postgres"
	"github.com/contactd/contactd/postgres/pgtest"
	"github.com/contactd/contactd/storetest"
)

func TestRegistry(t *testing.T) {
	storetest.RunRegistry(t, func(t *testing.T) storetest.RegistryStore {
		_, u := pgtest.Schema(t)
		s, err := postgres.Open(context.Background(), u)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

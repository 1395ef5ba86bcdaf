package main

import (
	"context"
	"net/url"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/postgres"
	"github.com/contactd/contactd/sqlite"
)

// contactStore is what the command needs of a database: the contact
// store, and the registry that production access reads.
type contactStore interface {
	contactd.Store
	contactd.Registry
	// The registry's administration (contactd admin).
	ImportRegistry(ctx context.Context, d contactd.RegistryData) error
	RemoveRegistry(ctx context.Context, d contactd.RegistryData) error
	ExportRegistry(ctx context.Context) (contactd.RegistryData, error)
}

// openStore opens the database db names, bringing its schema up to date:
// PostgreSQL for a postgres:// or postgresql:// URL (docs/postgres.md),
// else the SQLite file, created if missing.
func openStore(ctx context.Context, db string) (contactStore, error) {
	if postgres.IsURL(db) {
		s, err := postgres.Open(ctx, db)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	s, err := sqlite.Open(ctx, db)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// storeKind names the store db opens, for the start-up log.
func storeKind(db string) string {
	if postgres.IsURL(db) {
		return "postgresql"
	}
	return "sqlite, " + sqlite.Driver
}

// dbName is db as logs and messages show it: a URL's password hidden.
func dbName(db string) string {
	if !postgres.IsURL(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "(a PostgreSQL URL that does not parse)"
	}
	return u.Redacted()
}

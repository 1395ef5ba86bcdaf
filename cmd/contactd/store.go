package main

import (
	"context"
	"fmt"
	"os"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/postgres"
	"github.com/contactd/contactd/sqlite"
)

// contactStore is what the command needs of a database: the contact
// store, and the registry that production access reads.
type contactStore interface {
	contactd.Store
	contactd.Registry
	contactd.CustomerLister
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

// openExistingStore is openStore for commands that only read (audit,
// export): a SQLite file that does not exist is an error rather than a new,
// empty database.
func openExistingStore(ctx context.Context, db string) (contactStore, error) {
	if !postgres.IsURL(db) {
		if _, err := os.Stat(db); err != nil {
			return nil, fmt.Errorf("database %s: %w (give an existing SQLite file or a postgres:// URL with --db)", db, err)
		}
	}
	return openStore(ctx, db)
}

// storeKind names the store db opens, for the start-up log.
func storeKind(db string) string {
	if postgres.IsURL(db) {
		return "postgresql"
	}
	return "sqlite, " + sqlite.Driver
}

// dbName is db as logs and messages show it: every password hidden.
func dbName(db string) string { return postgres.Redact(db) }

// claimMode has the database record whether it is a sandbox, if it records
// nothing yet, and refuses a database of the other mode: the sandbox
// accepts unsigned tokens, so it must never open production data, and
// production must not serve a sandbox's made-up data as real.
func claimMode(ctx context.Context, store contactd.Store, sandbox bool, db string) error {
	recorded, err := store.ClaimMode(ctx, sandbox)
	if err != nil {
		return fmt.Errorf("database %s: record its mode: %w", dbName(db), err)
	}
	switch {
	case sandbox && !recorded:
		return fmt.Errorf("database %s is a production database (first used in production mode, or it held customers "+
			"before contactd recorded a mode): the sandbox never opens one, since it accepts unsigned tokens; "+
			"start the sandbox on a new database", dbName(db))
	case !sandbox && recorded:
		return fmt.Errorf("database %s is a sandbox database (first used with --sandbox or by contactd seed): "+
			"production mode never serves one; give production a database of its own", dbName(db))
	}
	return nil
}

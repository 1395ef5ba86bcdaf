package postgres

import (
	"context"
	"fmt"

	"github.com/contactd/contactd"
	"github.com/jackc/pgx/v5"
)

// dataTables are the tables Reset empties, each after the tables that
// refer to it: everything the API serves or writes, and issued_id, which
// lists the IDs of the contacts and phones held. A new table of data goes
// here; TestEveryTableIsDataOrKept fails until a new table is named here
// or in keptTables.
var dataTables = []string{"audit", "idempotency", "record", "phone", "contact", "issued_id", "account", "customer"}

// keptTables are the tables Reset leaves as they are (database_mode: a
// reset sandbox stays a sandbox): the registry of
// production access (reg_*, matched by prefix) and the migrations' own
// bookkeeping. The sequences (IDs, audit seq, keys) are not tables and
// are never moved back.
var keptTables = []string{"schema_migrations", "reg_*", "database_mode"}

// Reset empties every data table and loads d, in one transaction: a
// reader sees the old data or the new, never a mix (the deletes are
// MVCC: a reading statement keeps the snapshot it began with). The
// schema stays, and no sequence moves back, so no contact, phone or audit
// ID is ever issued twice; the registry is kept.
//
// The triggers that refuse deletes are disabled for the deletes (ALTER
// TABLE ... DISABLE TRIGGER USER, which holds off writers to the table
// but not readers, until the transaction ends) and enabled again before
// anything is loaded; no other session ever sees them disabled.
func (s *Store) Reset(ctx context.Context, d contactd.Dataset) error {
	maxID := d.MaxID()
	if maxID > contactd.MaxID {
		return fmt.Errorf("postgres: reset: ID %d is not below 2^53", maxID)
	}
	return s.retry(ctx, "reset", false, func() error {
		return s.tryWrite(ctx, inTx(func(ctx context.Context, tx pgx.Tx) error {
			if err := raiseSequence(ctx, tx, maxID); err != nil {
				return err
			}
			for _, table := range dataTables {
				if _, err := tx.Exec(ctx, `ALTER TABLE `+pgx.Identifier{table}.Sanitize()+` DISABLE TRIGGER USER`); err != nil {
					return err
				}
			}
			for _, table := range dataTables {
				if _, err := tx.Exec(ctx, `DELETE FROM `+pgx.Identifier{table}.Sanitize()); err != nil {
					return fmt.Errorf("empty %s: %w", table, err)
				}
			}
			for _, table := range dataTables {
				if _, err := tx.Exec(ctx, `ALTER TABLE `+pgx.Identifier{table}.Sanitize()+` ENABLE TRIGGER USER`); err != nil {
					return err
				}
			}
			return load(ctx, tx, d)
		}))
	})
}

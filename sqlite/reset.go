package sqlite

import (
	"context"
	"fmt"

	"github.com/contactd/contactd"
)

// dataTables are the tables Reset empties, each after the tables that
// refer to it: everything the API serves or writes. A new table of data
// goes here; TestEveryTableIsDataOrKept fails until a new table is named
// here or in keptTables.
var dataTables = []string{"audit", "idempotency", "record", "phone", "contact", "account", "customer"}

// keptTables are the tables Reset leaves as they are (database_mode: a
// reset sandbox stays a sandbox): the ID sequence
// (IDs are never issued twice, a reset included), the registry of
// production access (reg_*, matched by prefix), and SQLite's and the
// migrations' own bookkeeping.
var keptTables = []string{"id_sequence", "schema_migrations", "sqlite_sequence", "reg_*", "database_mode"}

// Reset empties every data table and loads d, in one transaction: a
// reader sees the old data or the new, never a mix. The schema stays as
// it is, and so do the ID sequence and the audit trail's sequence, so no
// contact, phone or audit ID is ever issued twice; the registry is kept.
//
// The triggers that refuse deletes (contacts, phones and the audit trail
// are never deleted) are dropped for the deletes and created again, from
// their own SQL as the schema holds it, before anything is loaded.
func (s *Store) Reset(ctx context.Context, d contactd.Dataset) error {
	return s.write(ctx, "reset", func(ctx context.Context, tx *wtx) error {
		type trigger struct{ name, sql string }
		var triggers []trigger
		for _, table := range dataTables {
			rows, err := tx.tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = ?`, table)
			if err != nil {
				return fmt.Errorf("triggers of %s: %w", table, err)
			}
			for rows.Next() {
				var t trigger
				if err := rows.Scan(&t.name, &t.sql); err != nil {
					rows.Close()
					return err
				}
				triggers = append(triggers, t)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		for _, t := range triggers {
			if _, err := tx.tx.ExecContext(ctx, `DROP TRIGGER "`+t.name+`"`); err != nil {
				return fmt.Errorf("drop trigger %s: %w", t.name, err)
			}
		}
		for _, table := range dataTables {
			if _, err := tx.tx.ExecContext(ctx, `DELETE FROM "`+table+`"`); err != nil {
				return fmt.Errorf("empty %s: %w", table, err)
			}
		}
		for _, t := range triggers {
			if _, err := tx.tx.ExecContext(ctx, t.sql); err != nil {
				return fmt.Errorf("create trigger %s again: %w", t.name, err)
			}
		}
		return load(ctx, tx, d)
	})
}

package postgres

import (
	"testing"

	"github.com/contactd/contactd/storetest"
	"github.com/jackc/pgx/v5"
)

func TestReset(t *testing.T) {
	storetest.RunReset(t, func(t *testing.T) storetest.ResetStore {
		s, _ := openTemp(t)
		return s
	})
}

// TestEveryTableIsDataOrKept: every table of the schema is one Reset
// empties or one it keeps.
func TestEveryTableIsDataOrKept(t *testing.T) {
	s, _ := openTemp(t)
	rows, err := s.pool.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	storetest.CheckTables(t, tables, dataTables, keptTables, "postgres/reset.go")
}

package sqlite

import (
	"testing"

	"github.com/contactd/contactd/storetest"
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
	rows, err := s.r.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	storetest.CheckTables(t, tables, dataTables, keptTables, "sqlite/reset.go")
}

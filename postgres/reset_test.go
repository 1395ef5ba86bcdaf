package postgres

import (
	"path"
	"slices"
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
// empties or one it keeps, so a new table cannot be left out by mistake.
func TestEveryTableIsDataOrKept(t *testing.T) {
	s, _ := openTemp(t)
	rows, err := s.pool.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		n++
		kept := slices.ContainsFunc(keptTables, func(p string) bool { ok, _ := path.Match(p, name); return ok })
		if slices.Contains(dataTables, name) == kept {
			t.Errorf("table %s: name it in exactly one of dataTables (reset empties it) and keptTables (postgres/reset.go)", name)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n < len(dataTables) {
		t.Errorf("found %d tables in the schema, fewer than the %d data tables", n, len(dataTables))
	}
}

package migration

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestList(t *testing.T) {
	ms, err := List(fstest.MapFS{
		"m/010_later.sql": {Data: []byte("B")},
		"m/002_first.sql": {Data: []byte("A")},
		"m/README":        {Data: []byte("not a migration")},
	}, "m")
	if err != nil || len(ms) != 2 || ms[0].Version != 2 || ms[0].SQL != "A" || ms[1].Name != "010_later.sql" {
		t.Fatalf("List = %+v, %v", ms, err)
	}
	for name, files := range map[string]fstest.MapFS{
		"bad name":     {"m/first.sql": {}},
		"zero version": {"m/000_x.sql": {}},
		"duplicate":    {"m/001_a.sql": {}, "m/1_b.sql": {}},
	} {
		if _, err := List(files, "m"); err == nil || !strings.Contains(err.Error(), "migration") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

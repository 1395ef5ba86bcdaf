package synthetic

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/contactd/contactd/sqlite"
)

func TestTmpLoad(t *testing.T) {
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "seed.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	g, _ := New(30000, 1)
	if err := g.Load(ctx, s, 10000, nil); err != nil {
		t.Fatal(err)
	}
}

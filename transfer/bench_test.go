package transfer_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/contactd/contactd/sqlite"
	"github.com/contactd/contactd/synthetic"
	"github.com/contactd/contactd/transfer"
)

// syntheticLines is n synthetic customers as import lines: those of a
// database seeded with them, exported.
func syntheticLines(b *testing.B, n int) []byte {
	b.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "seed.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	g, err := synthetic.New(n, 1)
	if err != nil {
		b.Fatal(err)
	}
	if err := g.Load(context.Background(), s, 0, nil); err != nil {
		b.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := transfer.Export(context.Background(), s, s, &out, nil); err != nil {
		b.Fatal(err)
	}
	return out.Bytes()
}

// BenchmarkParse checks lines as import does, without writing them.
func BenchmarkParse(b *testing.B) {
	lines := bytes.Split(bytes.TrimSpace(syntheticLines(b, 2000)), []byte("\n"))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := transfer.Parse(lines[i%len(lines)], transfer.ParseOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImport imports synthetic customers into a new SQLite file;
// customers/s is the figure (docs/performance.md has the 1,000,000
// customer run of the command).
func BenchmarkImport(b *testing.B) {
	const n = 20000
	data := syntheticLines(b, n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "import.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := transfer.Import(context.Background(), s, bytes.NewReader(data), transfer.ImportOptions{})
		if err != nil || res.Imported != n {
			b.Fatalf("%+v %v", res, err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "customers/s")
}

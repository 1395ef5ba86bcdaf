package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/contactd/contactd/sandbox"
	"github.com/contactd/contactd/synthetic"
)

const seedUsage = `Usage: contactd seed --customers N --db FILE [flags]

Fills a new database with N synthetic customers for load tests (package
synthetic): each has a valid IRD number, an INC and a GST account, a
customer-level PRIMRY contact and a SCNDRY contact on its INC account, each
with one or two NZ phones. The sandbox personas are loaded too unless
--personas=false, so 'contactd serve --sandbox' on the file serves both.
The same --seed gives the same customers, which is how contactbench knows
their identifiers. The database must hold no customer yet.

Flags:
`

type seedConfig struct {
	customers int
	db        string
	seed      int64
	batch     int
	personas  bool
}

func parseSeed(args []string, getenv func(string) string, stderr io.Writer) (seedConfig, error) {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := seedConfig{db: getenv("CONTACTD_DB"), seed: 1, batch: synthetic.DefaultBatch, personas: true}
	fs.IntVar(&cfg.customers, "customers", 0, "number of synthetic `customers` to add (required)")
	fs.StringVar(&cfg.db, "db", cfg.db, "database to fill: a SQLite `file`, created if missing, or a postgres:// URL (CONTACTD_DB)")
	fs.Int64Var(&cfg.seed, "seed", cfg.seed, "synthetic data `seed`; contactbench must use the same")
	fs.IntVar(&cfg.batch, "batch", cfg.batch, "customers per transaction")
	fs.BoolVar(&cfg.personas, "personas", cfg.personas, "also load the sandbox personas")
	fs.Usage = func() {
		fmt.Fprint(stderr, seedUsage)
		fs.PrintDefaults()
		fmt.Fprint(stderr, `
Example:
  contactd seed --customers 1000000 --db bench.db
  contactd serve --sandbox --db bench.db
`)
	}
	if err := parseFlags(fs, args); err != nil {
		return cfg, err
	}
	switch {
	case fs.NArg() > 0:
		return cfg, fmt.Errorf("seed takes no arguments, got %q", fs.Args())
	case cfg.customers <= 0 || cfg.customers > synthetic.MaxCustomers:
		return cfg, fmt.Errorf("--customers %d: want 1 to %d", cfg.customers, synthetic.MaxCustomers)
	case cfg.db == "":
		return cfg, fmt.Errorf("--db: name the database file to fill")
	case cfg.batch <= 0:
		return cfg, fmt.Errorf("--batch %d: want a positive number", cfg.batch)
	}
	return cfg, nil
}

// seed fills a new database with synthetic customers and reports how long
// it took and how large the file is.
func seed(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseSeed(args, getenv, stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	g, err := synthetic.New(cfg.customers, cfg.seed)
	if err != nil {
		return err
	}
	store, err := openStore(ctx, cfg.db)
	if err != nil {
		return fmt.Errorf("open database %s: %w", dbName(cfg.db), err)
	}
	defer store.Close()
	empty, err := store.Empty(ctx)
	if err != nil {
		return err
	}
	if !empty {
		return fmt.Errorf("%s already holds customers: seed a new database", dbName(cfg.db))
	}
	// Synthetic customers are test data: the database is a sandbox's.
	if err := claimMode(ctx, store, true, cfg.db); err != nil {
		return err
	}
	if cfg.personas {
		if err := store.Load(ctx, sandbox.Dataset()); err != nil {
			return fmt.Errorf("load sandbox personas: %w", err)
		}
	}
	lastReport := time.Now()
	err = g.Load(ctx, store, cfg.batch, func(done int) {
		if time.Since(lastReport) >= 10*time.Second {
			lastReport = time.Now()
			el := time.Since(start)
			fmt.Fprintf(stderr, "seed: %d of %d customers after %s (%.0f/s)\n", done, cfg.customers, el.Round(time.Second), float64(done)/el.Seconds())
		}
	})
	if err != nil {
		return err
	}
	loaded := time.Since(start)
	// Closing checkpoints the WAL into the database file.
	if err := store.Close(); err != nil {
		return err
	}
	took := time.Since(start)
	var size int64
	for _, f := range []string{cfg.db, cfg.db + "-wal"} {
		if fi, err := os.Stat(f); err == nil {
			size += fi.Size()
		}
	}
	fmt.Fprintf(stdout, "seeded %d customers (%d accounts, %d contacts) with seed %d into %s in %s (%.0f customers/s; load %s, checkpoint %s); file %.1f MB\n",
		cfg.customers, 2*cfg.customers, 2*cfg.customers, cfg.seed, dbName(cfg.db), took.Round(time.Millisecond),
		float64(cfg.customers)/took.Seconds(), loaded.Round(time.Millisecond), (took - loaded).Round(time.Millisecond),
		float64(size)/1e6)
	return nil
}

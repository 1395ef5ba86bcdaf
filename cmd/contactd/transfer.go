package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/sandbox"
	"github.com/contactd/contactd/transfer"
)

const importUsage = `Usage: contactd import --db DB [flags] FILE|-

Adds customers with their accounts, contacts and phones from JSON lines
(FILE, or - for standard input), one customer a line, in the format that
'contactd export' writes (docs/data.md). Identifiers are kept. Each
line is checked with the API's rules; a line refused is reported with its
line number, field and error code, and nothing of it is written; the
other lines are. The exit status is non-zero when any line was refused.

A customer the database already holds is refused (--existing refuse),
merged into (merge: what it lacks is added) or replaced (replace: its
profile and the accounts, contacts, phones and records the line names
become the line's, in one transaction, audited; what the line does not
carry of them is ceased; accounts the line does not name are left as they
are, never deleted: to close one, give it with its Status and Cease).

Flags:
`

func importCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := getenv("CONTACTD_DB")
	var (
		dryRun      bool
		sandboxRule bool
		existing    string
		batch       int
	)
	fs.StringVar(&db, "db", db, "database: a SQLite `file`, created if missing, or a postgres:// URL (CONTACTD_DB)")
	fs.BoolVar(&dryRun, "dry-run", false, "check every line and write nothing")
	fs.BoolVar(&sandboxRule, "sandbox", false, "accept the sandbox personas' IRD numbers and records as serve --sandbox holds them, some of which the rules refuse (not for real data)")
	fs.StringVar(&existing, "existing", string(transfer.ExistingRefuse),
		"a customer the database already holds: `refuse` the line, merge (add what it lacks), or replace (make it what the line says)")
	fs.IntVar(&batch, "batch", transfer.DefaultBatch, "`lines` written in one transaction")
	fs.Usage = func() {
		fmt.Fprint(stderr, importUsage)
		fs.PrintDefaults()
		fmt.Fprint(stderr, `
Examples:
  contactd import --db contactd.db customers.jsonl
  contactd export --db old.db | contactd import --db new.db -
  contactd import --db contactd.db --existing merge --dry-run changes.jsonl
  contactd import --db contactd.db --existing replace changes.jsonl
`)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("import takes one FILE, or - for standard input, got %q (flags go before it)", fs.Args())
	}
	if db == "" {
		return errors.New("--db: name the database to import into")
	}
	switch transfer.Existing(existing) {
	case transfer.ExistingRefuse, transfer.ExistingMerge, transfer.ExistingReplace:
	default:
		return fmt.Errorf("--existing %q: want refuse, merge or replace", existing)
	}
	var in io.Reader = os.Stdin
	if name := fs.Arg(0); name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	var store contactd.Store
	if !dryRun {
		s, err := openStore(ctx, db)
		if err != nil {
			return fmt.Errorf("open database %s: %w", dbName(db), err)
		}
		defer s.Close()
		if err := claimMode(ctx, s, sandboxRule, db); err != nil {
			return err
		}
		store = s
	}
	var parse transfer.ParseOptions
	if sandboxRule {
		parse.IRD = sandbox.IRDRule()
		parse.Published = sandbox.PublishedRecord
	}
	start := time.Now()
	progress := newProgress(stderr, "import")
	res, err := transfer.Import(ctx, store, in, transfer.ImportOptions{
		DryRun: dryRun, Parse: parse, Existing: transfer.Existing(existing), Batch: batch,
		Refused: func(line int, err error) {
			progress.clear()
			fmt.Fprintf(stderr, "line %d: %v\n", line, err)
		},
		Progress: func(r transfer.ImportResult) {
			progress.show("%d lines, %d customers written, %d refused, %.0f lines/s",
				r.Lines, r.Imported+r.Merged+r.Replaced, r.Refused, float64(r.Lines)/time.Since(start).Seconds())
		},
	})
	progress.clear()
	took := time.Since(start)
	verb := "imported"
	if dryRun {
		verb = "checked (dry run, nothing written)"
	}
	fmt.Fprintf(stdout, "%s %d customers, merged %d, replaced %d, refused %d of %d lines in %s (%.0f customers/s)\n",
		verb, res.Imported, res.Merged, res.Replaced, res.Refused, res.Lines, took.Round(time.Millisecond),
		float64(res.Imported+res.Merged+res.Replaced)/took.Seconds())
	if err != nil {
		return err
	}
	if res.Refused > 0 {
		return errRefusedLines
	}
	return nil
}

// errRefusedLines makes the exit status 1 after an import that refused
// lines: they were reported one by one.
var errRefusedLines = errors.New("some lines were refused (listed above)")

const exportUsage = `Usage: contactd export --db DB [flags]

Writes every customer, or the one --customer names, with its accounts,
contacts and phones to standard output as JSON lines, one customer a line,
in the format 'contactd import' reads (docs/data.md). With
--customer and --audit FILE it also writes that customer's audit trail to
FILE, as 'contactd audit --format json' does: together, everything
contactd holds about the customer.

Flags:
`

func exportCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := getenv("CONTACTD_DB")
	var customer, auditFile string
	fs.StringVar(&db, "db", db, "database: an existing SQLite `file` or a postgres:// URL (CONTACTD_DB)")
	fs.StringVar(&customer, "customer", "", "only this `customer`, as IRD:049091850 or CST:1512100301")
	fs.StringVar(&auditFile, "audit", "", "with --customer: write the customer's audit trail as JSON lines to this `file`")
	fs.Usage = func() {
		fmt.Fprint(stderr, exportUsage)
		fs.PrintDefaults()
		fmt.Fprint(stderr, `
Examples:
  contactd export --db contactd.db > customers.jsonl
  contactd export --db contactd.db --customer IRD:069096409 --audit 069096409-audit.jsonl > 069096409.jsonl
`)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("export takes no arguments, got %q (flags go before arguments)", fs.Args())
	}
	if db == "" {
		return errors.New("--db: name the database to export")
	}
	if auditFile != "" && customer == "" {
		return errors.New("--audit goes with --customer")
	}
	var id contactd.CustomerID
	if customer != "" {
		var err error
		if id, err = contactd.ParseCustomerRef(customer); err != nil {
			return fmt.Errorf("--customer %q: %w", customer, err)
		}
	}
	store, err := openExistingStore(ctx, db)
	if err != nil {
		return fmt.Errorf("open database %s: %w", dbName(db), err)
	}
	defer store.Close()
	if customer == "" {
		progress := newProgress(stderr, "export")
		n, err := transfer.Export(ctx, store, store, stdout, func(n int) { progress.show("%d customers", n) })
		progress.clear()
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "exported %d customers\n", n)
		return nil
	}
	rec, err := transfer.Read(ctx, store, id)
	if err != nil {
		if contactd.ErrorCode(err) == contactd.CST404 {
			return fmt.Errorf("customer %s: not held", customer)
		}
		return err
	}
	line, err := transfer.Append(nil, rec)
	if err != nil {
		return err
	}
	if _, err := stdout.Write(line); err != nil {
		return err
	}
	if auditFile == "" {
		return nil
	}
	records, err := store.Audit(ctx, contactd.AuditQuery{Customer: id})
	if err != nil {
		return err
	}
	f, err := os.OpenFile(auditFile, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if err := writeAuditJSON(f, records); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// progress shows a one-line progress report on a terminal, rewritten in
// place at most every quarter second; on anything else it shows nothing.
type progress struct {
	w    io.Writer
	name string
	last time.Time
	on   bool // a line is showing
}

func newProgress(stderr io.Writer, name string) *progress {
	f, ok := stderr.(*os.File)
	if !ok {
		return &progress{}
	}
	if fi, err := f.Stat(); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		return &progress{}
	}
	return &progress{w: f, name: name}
}

func (p *progress) show(format string, args ...any) {
	if p.w == nil || time.Since(p.last) < 250*time.Millisecond {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\r\033[K%s: "+format, append([]any{p.name}, args...)...)
	p.on = true
}

// clear removes the progress line, before other output or at the end.
func (p *progress) clear() {
	if p.on {
		fmt.Fprint(p.w, "\r\033[K")
		p.on = false
	}
}

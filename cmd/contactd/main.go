// Command contactd serves the Contact API. See `contactd --help`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // the help was asked for and printed
		}
		fmt.Fprintln(os.Stderr, "contactd:", err)
		var ee *exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		os.Exit(2)
	}
}

// exitError is an error that asks for an exit status other than 2.
type exitError struct {
	err  error
	code int
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// command is one of contactd's commands.
type command struct {
	name, args, summary string
	run                 func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error
}

// commands are contactd's commands, in the order the usage lists them.
var commands = []command{
	{"serve", "[flags]", "run the service", func(ctx context.Context, args []string, getenv func(string) string, _, stderr io.Writer) error {
		return serve(ctx, args, getenv, stderr)
	}},
	{"migrate", "[flags]", "bring the database's schema up to date (PostgreSQL: before starting replicas)", migrateCommand},
	{"admin", "...", "manage the registry of parties and rights (production access)", admin},
	{"seed", "[flags]", "fill a new database with synthetic customers (load tests)", seed},
	{"audit", "[flags]", "list the audit trail of changes", audit},
	{"import", "[flags] FILE", "add customers from JSON lines (- for standard input)", importCommand},
	{"export", "[flags]", "write customers as JSON lines to standard output", exportCommand},
	{"backup", "[flags] OUT", "copy a SQLite database while it serves, and check the copy", backupCommand},
	{"restore", "[flags] BACKUP", "check a backup and make it the database", restoreCommand},
	{"token", "", "print a sandbox token valid for 9 minutes", func(_ context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
		return token(args, stdout, stderr)
	}},
	{"healthcheck", "[flags]", "ask a running contactd's /healthz; exit status 0 when healthy", healthcheck},
	{"version", "", "print the version and commit", func(_ context.Context, args []string, _ func(string) string, stdout, stderr io.Writer) error {
		fs := flag.NewFlagSet("version", flag.ContinueOnError)
		fs.SetOutput(stderr)
		fs.Usage = func() {
			fmt.Fprint(stderr, "Usage: contactd version\n\nPrints contactd's version and the commit it was built from.\n")
		}
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		printVersion(stdout)
		return nil
	}},
}

// usage is the top-level help.
func usage() string {
	var b strings.Builder
	b.WriteString("contactd serves the Contact API of Inland Revenue's gateway services.\n\nUsage:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-26s %s\n", strings.TrimSpace("contactd "+c.name+" "+c.args), c.summary)
	}
	b.WriteString(`
Run 'contactd <command> --help' for a command's flags; every flag of serve
and healthcheck, and --db of every command, can be set by its environment
variable instead (--rate-burst: CONTACTD_RATE_BURST).

Examples:
  contactd serve --sandbox --db sandbox.db
  curl -H "Authorization: $(contactd token)" localhost:8080/gateway/contact/status
`)
	return b.String()
}

// commandNames lists the commands for an error message.
func commandNames() string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

// run is the whole program; main only supplies the process's context,
// arguments, environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return fmt.Errorf("no command given: use one of %s", commandNames())
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage())
		return nil
	case "-version", "--version":
		printVersion(stdout)
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:], getenv, stdout, stderr)
		}
	}
	return fmt.Errorf("unknown command %q: use one of %s\nRun 'contactd --help' for usage.", args[0], commandNames())
}

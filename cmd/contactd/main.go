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
	"runtime/debug"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // the help was asked for and printed
		}
		fmt.Fprintln(os.Stderr, "contactd:", err)
		os.Exit(2)
	}
}

const usage = `contactd serves the Contact API of Inland Revenue's gateway services.

Usage:
  contactd serve [flags]   run the service
  contactd migrate [flags] bring the database's schema up to date (PostgreSQL: before starting replicas)
  contactd admin ...       manage the registry of parties and rights (production access)
  contactd seed [flags]    fill a new database with synthetic customers (load tests)
  contactd audit [flags]   list the audit trail of changes
  contactd token           print a sandbox token valid for 9 minutes
  contactd version         print the version

Run 'contactd <command> --help' for a command's flags.

Examples:
  contactd serve --sandbox --db sandbox.db
  curl -H "Authorization: $(contactd token)" localhost:8080/gateway/contact/status
`

// run is the whole program; main only supplies the process's context,
// arguments, environment and output.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given: use serve, admin, token or version")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stderr)
	case "migrate":
		return migrateCommand(ctx, args[1:], getenv, stdout, stderr)
	case "admin":
		return admin(ctx, args[1:], getenv, stdout, stderr)
	case "seed":
		return seed(ctx, args[1:], getenv, stdout, stderr)
	case "audit":
		return audit(ctx, args[1:], getenv, stdout, stderr)
	case "token":
		return token(args[1:], stdout, stderr)
	case "version":
		fs := flag.NewFlagSet("version", flag.ContinueOnError)
		fs.SetOutput(stderr)
		fs.Usage = func() { fmt.Fprint(stderr, "Usage: contactd version\n\nPrints contactd's version.\n") }
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "contactd", versionString())
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q: use serve, admin, token or version", args[0])
}

func versionString() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}

// Command contactd serves the Contact API. See `contactd --help`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth"
	contacthttp "github.com/contactd/contactd/http"
	"github.com/contactd/contactd/sandbox"
	"github.com/contactd/contactd/sqlite"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "contactd:", err)
		}
		os.Exit(2)
	}
}

const usage = `contactd serves the Contact API of Inland Revenue's gateway services.

Usage:
  contactd serve [flags]   run the service
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
		return errors.New("no command given: use serve, token or version")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], getenv, stderr)
	case "token":
		return token(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "contactd", versionString())
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q: use serve, token or version", args[0])
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

func token(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: contactd token

Prints an unsigned JWT that a sandbox (contactd serve --sandbox) accepts for
9 minutes. Send it as the Authorization header, with or without "Bearer ".
A production contactd never accepts it.

Example:
  curl -H "Authorization: $(contactd token)" localhost:8080/gateway/contact/status
`)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	t, err := auth.NewSandboxToken(time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, t)
	return nil
}

// serveConfig is what `contactd serve` is told by flags and environment.
type serveConfig struct {
	addr      string
	db        string
	sandbox   bool
	logFormat string
}

func parseServe(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := serveConfig{addr: "127.0.0.1:8080", db: "contactd.db", logFormat: "text"}
	if v := getenv("CONTACTD_ADDR"); v != "" {
		cfg.addr = v
	}
	if v := getenv("CONTACTD_DB"); v != "" {
		cfg.db = v
	}
	if v := getenv("CONTACTD_SANDBOX"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return cfg, fmt.Errorf("CONTACTD_SANDBOX=%q: want true or false", v)
		}
		cfg.sandbox = b
	}
	if v := getenv("CONTACTD_LOG_FORMAT"); v != "" {
		cfg.logFormat = v
	}
	fs.StringVar(&cfg.addr, "addr", cfg.addr, "`host:port` to listen on (CONTACTD_ADDR)")
	fs.StringVar(&cfg.db, "db", cfg.db, "SQLite database `file`, created if missing (CONTACTD_DB)")
	fs.BoolVar(&cfg.sandbox, "sandbox", cfg.sandbox, "run as a sandbox: test personas, any unexpired JWT accepted (CONTACTD_SANDBOX)")
	fs.StringVar(&cfg.logFormat, "log-format", cfg.logFormat, "log format: text or json (CONTACTD_LOG_FORMAT)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: contactd serve [flags]

Serves the Contact, Customer and Account APIs under /gateway/... and
/secure/gateway/..., with /healthz and /readyz.

Flags:
`)
		fs.PrintDefaults()
		fmt.Fprint(stderr, `
Examples:
  contactd serve --sandbox                      # sandbox on contactd.db
  contactd serve --sandbox --db /tmp/fresh.db   # a fresh sandbox
  CONTACTD_ADDR=0.0.0.0:8443 contactd serve
`)
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("serve takes no arguments, got %q (flags go before arguments)", fs.Args())
	}
	if cfg.logFormat != "text" && cfg.logFormat != "json" {
		return cfg, fmt.Errorf("--log-format %q: want text or json", cfg.logFormat)
	}
	return cfg, nil
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// shutdownGrace is how long in-flight requests get to finish on SIGTERM.
const shutdownGrace = 15 * time.Second

func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := parseServe(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg.logFormat, stderr)

	store, err := sqlite.Open(ctx, cfg.db)
	if err != nil {
		return fmt.Errorf("open database %s: %w", cfg.db, err)
	}
	defer store.Close()

	var authn contacthttp.Authenticator = auth.Unconfigured{}
	var access contactd.Authorizer = auth.DenyAll{}
	if cfg.sandbox {
		loaded, err := sandbox.Seed(ctx, store)
		if err != nil {
			return err
		}
		authn, access = auth.Sandbox{}, sandbox.Access{}
		log.Warn("SANDBOX MODE: any unexpired JWT is accepted without checking its signature; never use this for real data",
			"db", cfg.db, "personas_loaded", loaded)
	} else {
		log.Warn("production mode without configured authentication: every API request is refused with EV1020")
	}

	handler := contacthttp.NewServer(contacthttp.Config{
		Service: &contactd.Service{Store: store, Access: access},
		Auth:    authn,
		DB:      store,
		Logger:  log,
	})
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another contactd running? choose another with --addr)", cfg.addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("contactd listening", "addr", ln.Addr().String(), "version", versionString(), "sandbox", cfg.sandbox)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace", shutdownGrace)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

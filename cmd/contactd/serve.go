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
	"runtime/debug"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/auth"
	contacthttp "github.com/contactd/contactd/http"
	"github.com/contactd/contactd/journal"
	"github.com/contactd/contactd/logbuf"
	"github.com/contactd/contactd/sandbox"
	"github.com/contactd/contactd/sqlite"
)

// serveConfig is what `contactd serve` is told by flags and environment.
type serveConfig struct {
	addr      string
	db        string
	sandbox   bool
	logFormat string
	logLevel  slog.Level
	// insecureHTTP allows plain HTTP on a non-loopback address in
	// production, for a TLS-terminating proxy in front.
	insecureHTTP bool
	identity     auth.ServeConfig // TLS, OAuth, machine JWTs
	adminAddr    string           // pprof, /metrics and sandbox console listener, off when empty; see admin.go
	// adminPublic allows adminAddr off loopback: the admin listener has no
	// authentication of its own.
	adminPublic bool
	rateLimit   contacthttp.RateLimit
	// journalSize is how many requests the sandbox's journal keeps
	// (with --admin-addr, where it is shown).
	journalSize int
	// reset puts a sandbox back to its personas at start.
	reset bool

	writeTimeout   time.Duration // each write's deadline (contactd.Service.WriteTimeout)
	maxConnections int           // client connections held open at once
	maxInFlight    int           // API requests served at once
	dbMinFreeMB    int           // SQLite: /readyz fails with less free disk
	authFailures   contacthttp.RateLimit
}

func parseServe(args []string, getenv func(string) string, stderr io.Writer) (serveConfig, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := serveConfig{addr: "127.0.0.1:8080", db: "contactd.db", logFormat: "text", journalSize: journal.DefaultSize,
		writeTimeout: contactd.DefaultWriteTimeout, maxConnections: contacthttp.DefaultMaxConnections,
		maxInFlight: contacthttp.DefaultMaxInFlight, dbMinFreeMB: sqlite.DefaultMinFree >> 20,
		authFailures: contacthttp.DefaultAuthFailures}
	fs.StringVar(&cfg.addr, "addr", cfg.addr, "`host:port` to listen on")
	fs.StringVar(&cfg.db, "db", cfg.db, "SQLite database `file`, created if missing, or a postgres:// URL (docs/postgres.md)")
	fs.BoolVar(&cfg.sandbox, "sandbox", cfg.sandbox, "run as a sandbox: test personas, any unexpired JWT accepted")
	fs.StringVar(&cfg.logFormat, "log-format", cfg.logFormat, "log format: text or json")
	logLevel := "info"
	fs.StringVar(&logLevel, "log-level", logLevel, "the least `level` logged: debug, info, warn or error; the access log is info")
	fs.BoolVar(&cfg.insecureHTTP, "insecure-http", cfg.insecureHTTP, "production: serve plain HTTP on a non-loopback address, for a TLS-terminating proxy in front")
	fs.Float64Var(&cfg.rateLimit.PerSecond, "rate-limit", cfg.rateLimit.PerSecond, "per-caller `rate` in requests a second, 0 for no limit; over it: 429 with Retry-After")
	fs.DurationVar(&cfg.writeTimeout, "write-timeout", cfg.writeTimeout, "the longest a write may take; past it: 503 with Retry-After")
	fs.IntVar(&cfg.maxConnections, "max-connections", cfg.maxConnections, "client `connections` held open at once; more are answered 503 and closed")
	fs.IntVar(&cfg.maxInFlight, "max-in-flight", cfg.maxInFlight, "API `requests` served at once; more are answered 503 with Retry-After")
	fs.IntVar(&cfg.dbMinFreeMB, "db-min-free-mb", cfg.dbMinFreeMB, "SQLite: /readyz answers 503 with less free disk than this, in `MiB`; 0: no check")
	fs.Float64Var(&cfg.authFailures.PerSecond, "auth-failure-rate", cfg.authFailures.PerSecond, "refused authentications a second allowed per remote address; past it and its burst: 429 with Retry-After, credentials unchecked; 0: no limit; off by default with --sandbox")
	fs.IntVar(&cfg.authFailures.Burst, "auth-failure-burst", cfg.authFailures.Burst, "refused authentications a remote address may make at once above --auth-failure-rate")
	fs.BoolVar(&cfg.adminPublic, "admin-public", cfg.adminPublic, "allow --admin-addr off loopback; the admin listener has no authentication")
	fs.IntVar(&cfg.rateLimit.Burst, "rate-burst", 0, "`requests` a caller may burst above --rate-limit (default: one second's worth)")
	fs.StringVar(&cfg.adminAddr, "admin-addr", cfg.adminAddr, "`host:port` of the admin listener serving /debug/pprof/, /metrics and, with --sandbox, the console at /console/; off when empty; keep it on loopback")
	fs.IntVar(&cfg.journalSize, "journal-size", cfg.journalSize, "with --sandbox and --admin-addr: how many of the newest `requests` the request journal keeps, in memory")
	fs.BoolVar(&cfg.reset, "reset", false, "with --sandbox: put the database back to the published personas at start (every change and request forgotten; IDs are not issued again)")
	if err := cfg.identity.Flags(fs, getenv); err != nil {
		return cfg, err
	}
	if err := envFlags(fs, getenv); err != nil {
		return cfg, err
	}
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
  contactd serve --sandbox --reset              # the personas again, on contactd.db
  CONTACTD_ADDR=0.0.0.0:8443 contactd serve
`)
	}
	if err := parseFlags(fs, args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("serve takes no arguments, got %q (flags go before arguments)", fs.Args())
	}
	if cfg.rateLimit.PerSecond < 0 || cfg.rateLimit.Burst < 0 {
		return cfg, errors.New("--rate-limit and --rate-burst must not be negative")
	}
	if cfg.reset && !cfg.sandbox {
		return cfg, fmt.Errorf("--reset puts a sandbox back to its personas: it needs --sandbox")
	}
	if cfg.journalSize < 1 || cfg.journalSize > 1_000_000 {
		return cfg, fmt.Errorf("--journal-size %d: want 1 to 1,000,000 requests", cfg.journalSize)
	}
	if cfg.logFormat != "text" && cfg.logFormat != "json" {
		return cfg, fmt.Errorf("--log-format %q: want text or json", cfg.logFormat)
	}
	if err := cfg.logLevel.UnmarshalText([]byte(logLevel)); err != nil {
		return cfg, fmt.Errorf("--log-level %q: want debug, info, warn or error", logLevel)
	}
	if err := cfg.identity.Finish(fs, cfg.sandbox); err != nil {
		return cfg, err
	}
	if cfg.authFailures.PerSecond < 0 || cfg.authFailures.Burst < 0 {
		return cfg, errors.New("--auth-failure-rate and --auth-failure-burst must not be negative")
	}
	if cfg.sandbox && getenv("CONTACTD_AUTH_FAILURE_RATE") == "" && !flagGiven(fs, "auth-failure-rate") {
		// Vendors try the token errors on purpose, again and again.
		cfg.authFailures.PerSecond = 0
	}
	if cfg.writeTimeout <= 0 || cfg.maxConnections <= 0 || cfg.maxInFlight <= 0 || cfg.dbMinFreeMB < 0 {
		return cfg, errors.New("--write-timeout, --max-connections and --max-in-flight must be positive, --db-min-free-mb not negative")
	}
	if cfg.adminAddr != "" && !cfg.adminPublic && !loopbackAddr(cfg.adminAddr) {
		return cfg, fmt.Errorf("--admin-addr %s is not on loopback: the admin listener (pprof, metrics, the console) has no authentication; "+
			"keep it on 127.0.0.1 or ::1, or give --admin-public to expose it anyway", cfg.adminAddr)
	}
	if err := checkPlainHTTP(cfg); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// redactedURL is a URL for the log, any credentials in it hidden; "" stays "".
func redactedURL(u string) string {
	if u == "" {
		return ""
	}
	return auth.RedactURL(u)
}

// flagGiven reports whether the flag name was set on the command line.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// loopbackAddr reports whether the host:port addr listens on loopback
// only: a loopback IP, or localhost.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkPlainHTTP refuses, in production, plain HTTP on an address other
// machines reach: bearer tokens would cross the network in clear.
func checkPlainHTTP(cfg serveConfig) error {
	if cfg.sandbox || cfg.insecureHTTP || cfg.identity.TLSCert != "" || loopbackAddr(cfg.addr) {
		return nil
	}
	return fmt.Errorf("refusing to serve plain HTTP on %s, which is not a loopback address: bearer tokens would cross the network in clear; "+
		"give --tls-cert and --tls-key, or --insecure-http if a TLS-terminating proxy is in front", cfg.addr)
}

func newLogger(format string, level slog.Level, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// gcPercent is the garbage collector's GOGC for serve when the environment
// sets none. A request allocates about 12 KB and the live heap is a few
// MB, so at the default of 100 the collector runs dozens of times a second
// under load; 400 runs it a quarter as often for about 12 MB more heap
// (docs/performance.md).
const gcPercent = 400

// The access log's buffer, and the longest its lines wait in it.
const (
	accessLogBuffer = 64 << 10
	accessLogPeriod = 100 * time.Millisecond
)

// shutdownGrace is how long in-flight requests get to finish on SIGTERM.
const shutdownGrace = 15 * time.Second

func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := parseServe(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg.logFormat, cfg.logLevel, stderr)
	// The access log's lines go out in batches (a write(2) a line was 4% of
	// a read's CPU), at most accessLogPeriod late; every other line at once.
	accessOut := logbuf.New(stderr, accessLogBuffer, accessLogPeriod)
	defer accessOut.Close()
	accessLog := newLogger(cfg.logFormat, cfg.logLevel, accessOut)
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}

	store, err := openStore(ctx, cfg.db)
	if err != nil {
		return fmt.Errorf("open database %s: %w", dbName(cfg.db), err)
	}
	defer store.Close()
	if err := claimMode(ctx, store, cfg.sandbox, cfg.db); err != nil {
		return err
	}

	var authn contacthttp.Authenticator = auth.Unconfigured{}
	var access contactd.Authorizer = auth.DenyAll{}
	var irdRule contactd.IRDRule // production's: the check digit for every number
	if cfg.sandbox {
		loaded, err := sandbox.Seed(ctx, store)
		if err != nil {
			return err
		}
		if cfg.reset && !loaded {
			if err := sandbox.Reset(ctx, store); err != nil {
				return err
			}
			log.Info("sandbox reset to its personas (--reset)")
		}
		authn, access, irdRule = auth.Sandbox{}, sandbox.Access{}, sandbox.IRDRule()
		log.Warn("SANDBOX MODE: any unexpired JWT is accepted without checking its signature; never use this for real data",
			"db", dbName(cfg.db), "personas_loaded", loaded)
	} else {
		prod, registryAccess, closeAuth, err := cfg.identity.Production(store)
		if err != nil {
			return err
		}
		defer closeAuth()
		authn, access = prod, registryAccess
		id := cfg.identity
		log.Info("production mode: access is decided on the registry (contactd admin)",
			"tls", id.TLSCert != "", "insecure_http", cfg.insecureHTTP && id.TLSCert == "",
			"mtls", id.ClientCA != "", "client_cn", id.ClientCNs, "oauth_issuer", redactedURL(id.OAuthIssuer),
			"oauth_jwks", redactedURL(id.OAuthJWKSURL), "oauth_introspection", redactedURL(id.OAuthIntrospectionURL),
			"machine_jwts", true, "bind_jwt_to_tls", id.BindJWTToTLS)
	}
	tlsConfig, err := cfg.identity.TLS()
	if err != nil {
		return err
	}

	// metrics and the sandbox console, served on the admin listener (admin.go)
	admin, err := newAdminRoutes(cfg, store, log)
	if err != nil {
		return err
	}
	if s, ok := store.(interface{ SetMinFree(uint64) }); ok {
		s.SetMinFree(uint64(cfg.dbMinFreeMB) << 20)
	}
	handler := contacthttp.NewServer(contacthttp.Config{
		Service:      &contactd.Service{Store: admin.metrics.Store(store), Access: access, WriteTimeout: cfg.writeTimeout},
		MaxInFlight:  cfg.maxInFlight,
		AuthFailures: cfg.authFailures,
		Auth:         authn,
		DB:           store,
		Logger:       log,
		AccessLog:    accessLog,
		Metrics:      admin.metrics,
		IRD:          irdRule,
		Journal:      admin.journal,

		RateLimit: cfg.rateLimit,
	})
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another contactd running? choose another with --addr)", cfg.addr, err)
	}
	ln = contacthttp.LimitConnections(ln, cfg.maxConnections, tlsConfig == nil)
	if cfg.adminAddr != "" {
		stopAdmin, err := startAdminServer(cfg.adminAddr, ln.Addr().String(), admin, log)
		if err != nil {
			ln.Close()
			return err
		}
		defer stopAdmin()
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		TLSConfig:         tlsConfig,
	}
	log.Info("contactd listening", "addr", ln.Addr().String(), "version", versionString(),
		"store", storeKind(cfg.db), "sandbox", cfg.sandbox, "tls", tlsConfig != nil)

	served := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			served <- srv.ServeTLS(ln, "", "")
			return
		}
		served <- srv.Serve(ln)
	}()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "grace_ms", shutdownGrace.Milliseconds())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

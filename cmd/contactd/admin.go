package main

// The admin listener: operator endpoints that must never be reachable on the
// API listener. It is off unless --admin-addr (CONTACTD_ADMIN_ADDR) is set,
// and should be bound to loopback or a management network only: pprof shows
// stacks, command line and heap contents. It serves /debug/pprof/, the
// Prometheus /metrics, and with --sandbox the sandbox console at /console/,
// the request journal at /journal and the reset at /sandbox/reset
// (docs/operations.md).

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/console"
	"github.com/contactd/contactd/journal"
	"github.com/contactd/contactd/metrics"
	"github.com/contactd/contactd/sandbox"
)

// adminRoutes is what the admin listener serves beyond pprof.
type adminRoutes struct {
	// metrics are the API listener's request and store metrics, served at
	// /metrics; nil (no metrics kept) without an admin listener.
	metrics *metrics.Metrics
	// console is the sandbox console, served at /console/; nil outside
	// the sandbox.
	console http.Handler
	// journal keeps the API's requests for the console and /journal; nil
	// outside the sandbox.
	journal *journal.Journal
	// reset puts the sandbox back to its personas and clears the journal,
	// for POST /sandbox/reset; nil outside the sandbox.
	reset func(ctx context.Context) error
	log   *slog.Logger
}

// newAdminRoutes makes the metrics and, for a sandbox, the console, when
// the admin listener is on. The store is the unwrapped one: its pool
// figures and its console listing are optional interfaces.
func newAdminRoutes(cfg serveConfig, store contactd.Store, log *slog.Logger) (adminRoutes, error) {
	a := adminRoutes{log: log}
	if cfg.adminAddr == "" {
		return a, nil
	}
	a.metrics = metrics.New()
	if p, ok := store.(metrics.Pools); ok {
		if err := a.metrics.RegisterPools(p); err != nil {
			return a, fmt.Errorf("metrics: %w", err)
		}
	}
	if c, ok := store.(metrics.Commits); ok {
		if err := a.metrics.RegisterCommits(c); err != nil {
			return a, fmt.Errorf("metrics: %w", err)
		}
	}
	if cfg.sandbox {
		a.journal = journal.New(cfg.journalSize)
		if _, ok := store.(sandbox.Resetter); ok {
			a.reset = func(ctx context.Context) error {
				if err := sandbox.Reset(ctx, store); err != nil {
					return err
				}
				a.journal.Clear()
				return nil
			}
		}
		if l, ok := store.(console.Lister); ok {
			a.console = console.New(console.Config{Store: store, Lister: l, Logger: log, Journal: a.journal, Reset: a.reset})
		} else {
			log.Warn("this store cannot list customers: the sandbox console is not served")
		}
	}
	return a, nil
}

// newAdminMux lists every route of the admin listener.
func newAdminMux(routes adminRoutes) *http.ServeMux {
	mux := http.NewServeMux()
	// net/http/pprof: CPU and heap profiles, goroutines, execution traces.
	// Registered explicitly on this mux; the package's side effect on
	// http.DefaultServeMux is never served, since no listener uses it.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)

	index := "contactd admin: /debug/pprof/"
	if routes.metrics != nil {
		mux.Handle("GET /metrics", routes.metrics.Handler())
		index += " /metrics"
	}
	if routes.console != nil {
		mux.Handle("/console/", http.StripPrefix("/console", routes.console))
		index += " /console/"
	}
	if routes.journal != nil {
		mux.Handle("GET /journal", console.JournalHandler(routes.journal))
		index += " /journal"
	}
	if routes.reset != nil {
		mux.Handle("POST /sandbox/reset", console.ResetHandler(routes.reset, routes.log))
		index += " /sandbox/reset"
	}

	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, index)
	})
	return mux
}

// startAdminServer listens on addr and serves the admin routes until the
// returned stop is called; stop closes the listener and its connections
// at once (a profile being taken is cut short). It refuses the API
// listener's address.
func startAdminServer(addr, apiAddr string, routes adminRoutes, log *slog.Logger) (stop func() error, err error) {
	if sameListenAddr(addr, apiAddr) {
		return nil, fmt.Errorf("--admin-addr %s: the admin listener must not share the API listener's address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin listener on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           newAdminMux(routes),
		ReadHeaderTimeout: 5 * time.Second,
		// no WriteTimeout: /debug/pprof/profile and /trace stream for
		// as many seconds as asked
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("admin listener listening", "addr", ln.Addr().String(), "metrics", routes.metrics != nil, "console", routes.console != nil)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("admin listener failed", "err", err)
		}
	}()
	return srv.Close, nil
}

// sameListenAddr reports whether two listen addresses name the same port on
// overlapping interfaces (an empty or unspecified host listens on all).
func sameListenAddr(a, b string) bool {
	ha, pa, errA := net.SplitHostPort(a)
	hb, pb, errB := net.SplitHostPort(b)
	if errA != nil || errB != nil {
		return a == b
	}
	if pa != pb || pa == "0" {
		return false
	}
	all := func(h string) bool {
		ip := net.ParseIP(h)
		return h == "" || (ip != nil && ip.IsUnspecified())
	}
	return ha == hb || all(ha) || all(hb)
}

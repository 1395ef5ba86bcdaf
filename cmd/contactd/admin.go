package main

// The admin listener: operator endpoints that must never be reachable on the
// API listener. It is off unless --admin-addr (CONTACTD_ADMIN_ADDR) is set,
// and should be bound to loopback or a management network only: pprof shows
// stacks, command line and heap contents.

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// newAdminMux lists every route of the admin listener.
func newAdminMux() *http.ServeMux {
	mux := http.NewServeMux()
	// net/http/pprof: CPU and heap profiles, goroutines, execution traces.
	// Registered explicitly on this mux; the package's side effect on
	// http.DefaultServeMux is never served, since no listener uses it.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)

	// /metrics: register the metrics handler here, e.g.
	//   mux.Handle("GET /metrics", metricsHandler)
	// so that it shares the admin listener and stays off the API one.

	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "contactd admin: /debug/pprof/")
	})
	return mux
}

// startAdminServer listens on addr and serves the admin routes until the
// returned stop is called; stop closes the listener and its connections
// at once (a profile being taken is cut short). It refuses the API
// listener's address.
func startAdminServer(addr, apiAddr string, log *slog.Logger) (stop func() error, err error) {
	if sameListenAddr(addr, apiAddr) {
		return nil, fmt.Errorf("--admin-addr %s: the admin listener must not share the API listener's address", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin listener on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           newAdminMux(),
		ReadHeaderTimeout: 5 * time.Second,
		// no WriteTimeout: /debug/pprof/profile and /trace stream for
		// as many seconds as asked
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	log.Info("admin listener (pprof) listening", "addr", ln.Addr().String())
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

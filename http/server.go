// Package http serves the Contact, Customer and Account APIs over HTTP.
package http

import (
	"context"
	"log/slog"
	"net/http"
	"path"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/journal"
	"github.com/contactd/contactd/metrics"
)

// Authenticator turns an Authorization header into a caller, or answers
// *contactd.Error EV1021 (no credential) or EV1020 (not valid).
type Authenticator interface {
	Authenticate(ctx context.Context, header string) (contactd.Caller, error)
}

// Pinger reports whether the database answers, for /readyz.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Config is what the HTTP layer needs.
type Config struct {
	Service *contactd.Service
	Auth    Authenticator
	DB      Pinger
	Logger  *slog.Logger
	// AccessLog takes the line each request leaves; nil is Logger.
	AccessLog *slog.Logger
	// RateLimit bounds each caller's requests; zero is no limit. A
	// machine caller is one caller per certificate.
	RateLimit RateLimit
	// AuthFailures bounds the refused authentications (EV1020) of each
	// remote address; past it, the address's requests answer 429 with
	// Retry-After before their credentials are checked. Zero is no limit
	// (contactd serve sets DefaultAuthFailures in production).
	AuthFailures RateLimit
	// IdempotencyTTL is how long an Idempotency-Key is kept; zero is 24 hours.
	IdempotencyTTL time.Duration
	// MaxInFlight is how many API requests are served at once; beyond it
	// a request is answered 503 at once. Zero is DefaultMaxInFlight,
	// negative no limit.
	MaxInFlight int
	// Metrics, when set, counts and times every request (see metrics.go).
	// Its handler belongs on the admin listener, never on this one.
	Metrics *metrics.Metrics
	// IRD decides which IRD numbers are valid; the zero value is
	// production's rule, the sandbox's lets its personas through.
	IRD contactd.IRDRule
	// Journal, when set, keeps every request with its bodies (see
	// journaled); a sandbox's, shown on the admin listener only.
	Journal *journal.Journal

	limiter  *callerLimiter
	failures failureLimiter
}

// maxBodyBytes bounds a request body; the published requests are far smaller.
const maxBodyBytes = 64 << 10

// readyTimeout bounds the database check of /readyz.
const readyTimeout = 2 * time.Second

// NewServer returns the whole service as one handler.
func NewServer(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.AccessLog == nil {
		cfg.AccessLog = cfg.Logger
	}
	if cfg.IdempotencyTTL == 0 {
		cfg.IdempotencyTTL = 24 * time.Hour
	}
	if cfg.MaxInFlight == 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	cfg.limiter = newCallerLimiter(cfg.RateLimit)
	cfg.failures = newFailureLimiter(cfg.AuthFailures)
	mux := http.NewServeMux()
	addRoutes(mux, cfg)
	return withSecurityHeaders(withRequestID(cfg.AccessLog, cfg.Journal, withMetrics(cfg.Metrics, recoverPanics(cfg.Logger, limitInFlight(cfg.MaxInFlight, refuseOddTargets(cfg, mux))))))
}

// hstsMaxAge is the Strict-Transport-Security a TLS response carries: a
// year, the usual value once a host serves HTTPS only.
const hstsMaxAge = "max-age=31536000"

// withSecurityHeaders sets the headers every answer carries: none is to be
// cached or sniffed as another type, and over TLS the client is told to
// keep using TLS.
func withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", hstsMaxAge)
		}
		next.ServeHTTP(w, r)
	})
}

// refuseOddTargets answers in the envelope the requests ServeMux would
// answer itself in plain text: the asterisk target ("PUT *", 400) and an
// unclean path (a 301 to the cleaned one), which names no route here.
func refuseOddTargets(cfg Config, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.RequestURI == "*" {
			writeError(w, cfg.Logger, contactd.Errorf(contactd.EV1100, "path"))
			return
		}
		if p := r.URL.Path; p == "" || p[0] != '/' || path.Clean(p) != p {
			writeError(w, cfg.Logger, errNotFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// recoverPanics answers EU6001 instead of dropping the connection.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", v)
				writeError(w, log, contactd.Errorf(contactd.EU6001, ""))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

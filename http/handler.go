package http

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/api"
)

var (
	errNotFound = errors.New("no such route")
	errMethod   = errors.New("method not allowed")
)

// methods serves a path's handlers by HTTP method, answering 405 in the
// API's envelope for any other.
type methods map[string]http.Handler

func (m methods) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, ok := m[r.Method]; ok {
		h.ServeHTTP(w, r)
		return
	}
	allowed := make([]string, 0, len(m))
	for method := range m {
		allowed = append(allowed, method)
	}
	sort.Strings(allowed)
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeError(w, nil, errMethod)
}

func handleNotFound(cfg Config) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, cfg.Logger, errNotFound)
	})
}

// apiFunc handles an authenticated API request whose body is read. ch
// carries the caller and the request ID; handlers of writes pass it on.
type apiFunc func(w http.ResponseWriter, r *http.Request, ch contactd.Change, body []byte) error

// apiHandler authenticates first (the first check of the published order),
// applies the caller's rate limit, then reads the body and runs f,
// answering any error in the envelope.
func apiHandler(cfg Config, f apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := serveAPI(cfg, f, w, r)
		if err != nil {
			writeError(w, cfg.Logger.With("request_id", requestID(r)), err)
		}
	})
}

func serveAPI(cfg Config, f apiFunc, w http.ResponseWriter, r *http.Request) error {
	// An address that has spent its refused authentications waits before
	// anything of its request is checked, so that probing with made-up
	// tokens is slowed and costs the issuer nothing more.
	addr := remoteIP(r)
	if ok, wait := cfg.failures.allowed(addr, time.Now()); !ok {
		w.Header().Set("Retry-After", retryAfterSeconds(wait))
		return errRateLimited
	}
	caller, err := cfg.Auth.Authenticate(peerContext(r), r.Header.Get("Authorization"))
	if err != nil {
		noteRefusedBody(w, r)
		if contactd.ErrorCode(err) == contactd.EV1020 {
			cfg.failures.spend(addr, time.Now())
		}
		return err
	}
	noteCaller(w, caller.ID(), caller)
	if ok, wait := cfg.limiter.allow(caller.RateKey(), time.Now()); !ok {
		w.Header().Set("Retry-After", retryAfterSeconds(wait))
		return errRateLimited
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	noteBody(w, body)
	return f(w, r, contactd.Change{Caller: caller, RequestID: requestID(r)}, body)
}

// remoteIP is the address of the request's peer, without its port.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// peerContext is the request's context, carrying the client certificate
// when the TLS layer verified one (contactd.PeerCertificate), so that an
// authenticator may bind a token to it.
func peerContext(r *http.Request) context.Context {
	if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 && len(r.TLS.VerifiedChains[0]) > 0 {
		return contactd.WithPeerCertificate(r.Context(), r.TLS.VerifiedChains[0][0])
	}
	return r.Context()
}

// readBody reads at most maxBodyBytes of the request body.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, errBodyTooLarge
	}
	if err != nil {
		// A body the client failed to send is not JSON.
		return nil, contactd.Errorf(contactd.EV1100, "body")
	}
	return body, nil
}

// decode validates body against the named published request schema and
// then reads it into v. The validator has already checked every type, so
// Unmarshal cannot fail on a valid body.
func decode(schema *api.Schema, body []byte, v any) error {
	if field := schema.Validate(body); field != "" {
		return contactd.Errorf(contactd.EV1100, field)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return contactd.Errorf(contactd.EV1100, "body")
	}
	return nil
}

func handleStatus(cfg Config) http.Handler {
	return apiHandler(cfg, func(w http.ResponseWriter, r *http.Request, _ contactd.Change, _ []byte) error {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "OK")
		return nil
	})
}

func handleHealthz() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "OK")
	})
}

func handleReadyz(cfg Config) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := contextWithTimeout(r, readyTimeout)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := cfg.DB.Ping(ctx); err != nil {
			cfg.Logger.Warn("readiness check failed", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "database unavailable")
			return
		}
		io.WriteString(w, "OK")
	})
}

func contextWithTimeout(r *http.Request, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), d)
}

package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/journal"
)

// requestIDHeader carries a request's ID in and out.
const requestIDHeader = "X-Request-ID"

type requestIDKey struct{}

// validRequestID accepts a caller's ID when it is short printable ASCII,
// so that it is safe in logs and audit records.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// requestID returns the request's ID.
func requestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return id
}

// statusRecorder remembers the status a handler answered, and the API
// error code of its envelope if any and why (noted by writeError, for the
// metrics and the access log).
// For the journal it also keeps the caller, the request body and, when
// journaling, a copy of the response body (noted by serveAPI and Write).
type statusRecorder struct {
	http.ResponseWriter
	status  int
	code    contactd.Code
	caller  string
	request []byte
	journal bool
	resp    []byte
	// for the access log of a refused request: why (the refusal's
	// reason, or EV1100's field), and the caller once authenticated
	why   string
	who   contactd.Caller
	known bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	if s.journal && len(s.resp) < journal.MaxBody+1 {
		s.resp = append(s.resp, b...)
	}
	return s.ResponseWriter.Write(b)
}

// noteCaller records on the response who called: its ID for the journal,
// the caller for the access log.
func noteCaller(w http.ResponseWriter, callerID string, c contactd.Caller) {
	if rec, ok := w.(*statusRecorder); ok {
		rec.caller, rec.who, rec.known = callerID, c, true
	}
}

// noteBody records on the response, for the journal, the body sent.
func noteBody(w http.ResponseWriter, body []byte) {
	if rec, ok := w.(*statusRecorder); ok {
		rec.request = body
	}
}

// noteRefusedBody reads, for the journal only, the body of a request
// refused before it was read, so that the journal shows what was sent.
func noteRefusedBody(w http.ResponseWriter, r *http.Request) {
	if rec, ok := w.(*statusRecorder); ok && rec.journal {
		if body, err := readBody(w, r); err == nil {
			rec.request = body
		}
	}
}

// journaled reports whether a request on path goes into the journal:
// every request but the health checks and the published documents.
func journaled(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/openapi.json":
		return false
	}
	return !strings.HasSuffix(path, "/swagger.yaml")
}

// authScheme is the scheme of an Authorization header ("Bearer"), ""
// for none; never anything of the credentials. A header of one word (a
// bare token, which the sandbox accepts) is "(bare token)".
func authScheme(h string) string {
	h = strings.TrimSpace(h)
	if h == "" {
		return ""
	}
	scheme, _, found := strings.Cut(h, " ")
	switch {
	case !found:
		return "(bare token)"
	case len(scheme) > 16 || !isToken(scheme):
		return "(no scheme)"
	}
	return scheme
}

// isToken reports whether s is letters, digits and '-' only.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// withRequestID takes the caller's X-Request-ID, or makes one, echoes it on
// the response, and logs the request with it at Info (the access log), its
// duration in milliseconds. The line of a refused request (4xx) also says
// why: the error code, the refusal's reason or the offending field, the
// caller once known (subject, logon, party), the remote address and the
// user agent. The log line holds no body or token. With a journal (j not
// nil) it also keeps the request there, bodies included (journaled).
//
// The record goes straight to the logger's handler, without the source
// position slog.Logger would capture for it (runtime.Callers, which the
// text and JSON handlers only print with AddSource): the access log is
// one line per request, and that capture was an eighth of its cost. The
// line is written as the handler writes, one write(2) each on the
// unbuffered stderr of `contactd serve` (docs/performance.md).
func withRequestID(log *slog.Logger, j *journal.Journal, next http.Handler) http.Handler {
	h := log.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(requestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(requestIDHeader, id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		rec := &statusRecorder{ResponseWriter: w, journal: j != nil && journaled(r.URL.Path)}
		start := time.Now()
		next.ServeHTTP(rec, r)
		if rec.journal {
			status := rec.status
			if status == 0 {
				status = http.StatusOK // nothing written: net/http answers 200
			}
			j.Add(journal.Entry{Time: start, Caller: rec.caller, Authorization: authScheme(r.Header.Get("Authorization")),
				Method: r.Method, Path: r.URL.Path, RequestID: id, Status: status, Code: string(rec.code),
				Duration: time.Since(start), RequestBody: rec.request, ResponseBody: rec.resp})
		}
		ctx := r.Context()
		if !h.Enabled(ctx, slog.LevelInfo) {
			return
		}
		end := time.Now()
		line := slog.NewRecord(end, slog.LevelInfo, "request", 0)
		line.AddAttrs(slog.String("request_id", id), slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Float64("duration_ms", float64(end.Sub(start).Microseconds())/1000))
		if rec.status >= 400 && rec.status < 500 {
			line.AddAttrs(slog.String("code", string(rec.code)), slog.String("why", rec.why))
			if c := rec.who; rec.known {
				line.AddAttrs(slog.String("subject", c.Subject), slog.String("logon", c.Logon), slog.String("party", c.Party))
			}
			line.AddAttrs(slog.String("remote", r.RemoteAddr), slog.String("user_agent", r.UserAgent()))
		}
		_ = h.Handle(ctx, line) // as slog.Logger does: a failed log write is not the request's failure
	})
}

package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/contactd/contactd"
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
// error code of its envelope if any (noted by writeError, for the metrics).
type statusRecorder struct {
	http.ResponseWriter
	status int
	code   contactd.Code
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
	return s.ResponseWriter.Write(b)
}

// withRequestID takes the caller's X-Request-ID, or makes one, echoes it on
// the response, and logs the request with it at Info (the access log). The
// log line holds no header, body or token.
//
// The record goes straight to the logger's handler, without the source
// position slog.Logger would capture for it (runtime.Callers, which the
// text and JSON handlers only print with AddSource): the access log is
// one line per request, and that capture was an eighth of its cost. The
// line is written as the handler writes, one write(2) each on the
// unbuffered stderr of `contactd serve` (docs/performance.md).
func withRequestID(log *slog.Logger, next http.Handler) http.Handler {
	h := log.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(requestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(requestIDHeader, id)
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		rec := &statusRecorder{ResponseWriter: w}
		start := time.Now()
		next.ServeHTTP(rec, r)
		ctx := r.Context()
		if !h.Enabled(ctx, slog.LevelInfo) {
			return
		}
		end := time.Now()
		line := slog.NewRecord(end, slog.LevelInfo, "request", 0)
		line.AddAttrs(slog.String("request_id", id), slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Duration("duration", end.Sub(start)))
		_ = h.Handle(ctx, line) // as slog.Logger does: a failed log write is not the request's failure
	})
}

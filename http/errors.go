package http

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/contactd/contactd"
)

// errBodyTooLarge is a body over maxBodyBytes.
var errBodyTooLarge = errors.New("request body too large")

// unavailableRetryAfter is the Retry-After of a 503, in seconds: a lock
// or an overload usually clears within it.
const unavailableRetryAfter = "1"

// errOverloaded is a request shed because the server holds as many as it
// may (Config.MaxInFlight).
var errOverloaded = errors.New("too many requests in flight")

// errorEnvelope is the published error body.
type errorEnvelope struct {
	Errors []errorItem `json:"errors"`
}

type errorItem struct {
	Code    contactd.Code `json:"code"`
	Type    string        `json:"type"`
	Message string        `json:"message"`
}

// statusOf is the one place that maps an error to an HTTP status.
func statusOf(err error) int {
	if errors.Is(err, errBodyTooLarge) {
		return http.StatusRequestEntityTooLarge
	}
	if errors.Is(err, errNotFound) {
		return http.StatusNotFound
	}
	if errors.Is(err, errMethod) {
		return http.StatusMethodNotAllowed
	}
	if errors.Is(err, errRateLimited) {
		return http.StatusTooManyRequests
	}
	if errors.Is(err, contactd.ErrUnavailable) || errors.Is(err, errOverloaded) {
		return http.StatusServiceUnavailable
	}
	// EV1020 and EV1021 are 400, as the published YAMLs declare them and
	// IRD's test plans expect (api/SPEC-README.md rule 9), not 401.
	switch contactd.ErrorCode(err) {
	case contactd.EV1022:
		return http.StatusForbidden
	case contactd.EU6001:
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

// publicError is what the caller may see of err: an unexpected failure
// becomes a bare EU6001.
func publicError(err error) *contactd.Error {
	var e *contactd.Error
	if errors.As(err, &e) {
		return e
	}
	switch {
	case errors.Is(err, errBodyTooLarge):
		return contactd.Errorf(contactd.EV1100, "body")
	case errors.Is(err, errNotFound):
		return contactd.Errorf(contactd.EV1100, "path")
	case errors.Is(err, errMethod):
		return contactd.Errorf(contactd.EV1100, "method")
	}
	// A rate-limited caller gets EU6001, and so does a write the database
	// could not make in time (503): no published code fits, and a client
	// keys on the status and its Retry-After.
	return contactd.Errorf(contactd.EU6001, "")
}

// writeError answers err in the published envelope, and logs the detail of
// unexpected failures for the operator.
func writeError(w http.ResponseWriter, log *slog.Logger, err error) {
	status := statusOf(err)
	e := publicError(err)
	switch {
	case status == http.StatusInternalServerError && log != nil:
		log.Error("request failed", "err", err)
	case status == http.StatusServiceUnavailable:
		if w.Header().Get("Retry-After") == "" {
			w.Header().Set("Retry-After", unavailableRetryAfter)
		}
		if log != nil && !errors.Is(err, errOverloaded) {
			log.Warn("request failed: the database is unavailable", "err", err)
		}
	}
	noteError(w, e, err)
	writeJSON(w, status, errorEnvelope{Errors: []errorItem{{Code: e.Code, Type: e.Code.Type(), Message: e.Message()}}})
}

// writeJSON sends v as the API's JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"errors":[{"code":"EU6001","type":"server","message":"Unexpected error occurred"}]}`)
	}
	writeBody(w, status, body)
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

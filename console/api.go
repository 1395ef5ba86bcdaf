package console

// The sandbox's endpoints for scripts, on the admin listener beside the
// console: the request journal as JSON (GET /journal) and the reset
// (POST /sandbox/reset).

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/journal"
)

// JournalEntry is an entry of GET /journal. Bodies are the JSON sent and
// answered, or a string when they are not JSON.
type JournalEntry struct {
	Seq           int64           `json:"seq"`
	Time          string          `json:"time"` // RFC 3339, New Zealand time, to the microsecond
	Caller        string          `json:"caller"`
	Authorization string          `json:"authorization"` // the scheme only, "" for none
	Method        string          `json:"method"`
	Path          string          `json:"path"`
	API           string          `json:"api"`
	RequestID     string          `json:"request_id"`
	Status        int             `json:"status"`
	Code          string          `json:"code"`
	Message       string          `json:"message"`
	DurationMS    float64         `json:"duration_ms"`
	RequestBody   json.RawMessage `json:"request_body"`
	ResponseBody  json.RawMessage `json:"response_body"`
	RequestCut    bool            `json:"request_body_cut,omitempty"`
	ResponseCut   bool            `json:"response_body_cut,omitempty"`
}

// JournalHandler serves GET /journal: the entries that pass the filter
// of the query (caller, api, status as 2xx/4xx/5xx, code, request_id, and
// after, the seq of the last entry already seen), oldest first, as
// {"entries":[...]}.
func JournalHandler(j *journal.Journal) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := filterOf(r.URL.Query())
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		entries := j.List(f, 0)
		slices.Reverse(entries)
		out := struct {
			Entries []JournalEntry `json:"entries"`
		}{Entries: make([]JournalEntry, 0, len(entries))}
		for _, e := range entries {
			out.Entries = append(out.Entries, JournalEntry{Seq: e.Seq, Time: e.Time.In(contactd.NZ).Format("2006-01-02T15:04:05.000000Z07:00"),
				Caller: e.Caller, Authorization: e.Authorization, Method: e.Method, Path: e.Path, API: e.API(),
				RequestID: e.RequestID, Status: e.Status, Code: e.Code, Message: e.Message(),
				DurationMS:  float64(e.Duration.Microseconds()) / 1000,
				RequestBody: jsonValue(e.RequestBody), ResponseBody: jsonValue(e.ResponseBody),
				RequestCut: e.RequestCut, ResponseCut: e.ResponseCut})
		}
		writeJSON(w, http.StatusOK, out)
	})
}

// jsonValue is a body as a JSON value: itself when it is JSON, else a
// string of it, null when empty.
func jsonValue(b []byte) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	if json.Valid(b) {
		return b
	}
	s, _ := json.Marshal(string(b))
	return s
}

// ResetHandler serves POST /sandbox/reset: reset puts the sandbox back to
// its personas; the answer is {"reset":true}, or 500 with the error.
// Like the console's button, it is refused when a browser says it comes
// from another site.
func ResetHandler(reset func(ctx context.Context) error, log *slog.Logger) http.Handler {
	return http.NewCrossOriginProtection().Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := reset(r.Context()); err != nil {
			log.Error("sandbox reset failed", "err", err)
			writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
			return
		}
		log.Info("sandbox reset to its personas")
		writeJSON(w, http.StatusOK, map[string]bool{"reset": true})
	}))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

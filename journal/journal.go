// Package journal keeps the newest API requests of a sandbox in memory, for
// the console and the admin listener's /journal: who called, what was
// sent, what was answered and how long it took. A vendor reads it to find
// out why their software's calls fail, without going to the log files.
//
// It never holds an Authorization header: an entry says only whether one
// came and its scheme ("Bearer"). It holds the bodies as they were sent,
// phone numbers included (the sandbox's own data), so it is for the
// sandbox and the admin listener only.
package journal

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"time"
)

// DefaultSize is how many requests a journal keeps unless told otherwise.
const DefaultSize = 1000

// MaxBody is the most of each body an entry keeps; the rest is cut off and
// the entry says so. The API takes bodies of up to 64 KiB, and 1,000 whole
// ones each way could hold 128 MB.
const MaxBody = 16 << 10

// Entry is one request and its answer.
type Entry struct {
	// Seq numbers the entries from 1, in the order they ended; it keeps
	// counting across Clear, so ?after=N never skips a new entry.
	Seq  int64
	Time time.Time // when the request came
	// Caller is the authenticated caller's ID ("sandbox:" and the token's
	// subject); "" when the request was refused before that.
	Caller string
	// Authorization is the scheme of the Authorization header ("Bearer"),
	// "" when none came. The credentials are never kept.
	Authorization string
	Method        string
	Path          string
	RequestID     string
	Status        int
	Code          string // the API error code of a refusal, "" for a success
	Duration      time.Duration
	RequestBody   []byte
	ResponseBody  []byte
	// RequestCut and ResponseCut report a body cut at MaxBody.
	RequestCut, ResponseCut bool
}

// API names the API a path belongs to ("contact", "customer", "account"),
// "" for any other path.
func (e *Entry) API() string { return APIOf(e.Path) }

// APIOf names the API of a path: the segment after /gateway/ (or
// /secure/gateway/) when it is one of the APIs, else "".
func APIOf(path string) string {
	p := strings.TrimPrefix(path, "/secure")
	rest, ok := strings.CutPrefix(p, "/gateway/")
	if !ok {
		return ""
	}
	api, _, _ := strings.Cut(rest, "/")
	switch api {
	case "contact", "customer", "account":
		return api
	}
	return ""
}

// Class is the status class: "2xx", "4xx", "5xx", ...
func (e *Entry) Class() string { return ClassOf(e.Status) }

// ClassOf is the class of an HTTP status: 404 is "4xx".
func ClassOf(status int) string {
	if status < 100 || status > 599 {
		return ""
	}
	return string(rune('0'+status/100)) + "xx"
}

// Message is the message of the error envelope the response carries, ""
// for none.
func (e *Entry) Message() string {
	if e.Code == "" {
		return ""
	}
	var env struct {
		Errors []struct{ Message string } `json:"errors"`
	}
	if json.Unmarshal(e.ResponseBody, &env) != nil || len(env.Errors) == 0 {
		return ""
	}
	return env.Errors[0].Message
}

// Pretty lays out a body for reading: JSON indented by two spaces, any
// other body as it is.
func Pretty(body []byte) string {
	var b bytes.Buffer
	if err := json.Indent(&b, bytes.TrimSpace(body), "", "  "); err != nil {
		return string(body)
	}
	return b.String()
}

// Filter selects entries; a zero field selects everything.
type Filter struct {
	Caller    string
	API       string // "contact", "customer", "account"
	Class     string // "2xx", "4xx", "5xx"
	Code      string // an API error code
	RequestID string
	After     int64 // only entries with a greater Seq
}

// Match reports whether e passes the filter.
func (f Filter) Match(e *Entry) bool {
	return (f.Caller == "" || e.Caller == f.Caller) &&
		(f.API == "" || e.API() == f.API) &&
		(f.Class == "" || e.Class() == f.Class) &&
		(f.Code == "" || e.Code == f.Code) &&
		(f.RequestID == "" || e.RequestID == f.RequestID) &&
		e.Seq > f.After
}

// Journal is a ring of the newest entries. It is safe for concurrent use;
// Add holds its lock for a few stores, never for I/O.
type Journal struct {
	mu      sync.Mutex
	entries []Entry // a ring: the oldest at next once full
	next    int     // where the next entry goes
	full    bool
	seq     int64
}

// New returns a journal that keeps the newest size entries (DefaultSize
// when size <= 0).
func New(size int) *Journal {
	if size <= 0 {
		size = DefaultSize
	}
	return &Journal{entries: make([]Entry, size)}
}

// Size is how many entries the journal keeps.
func (j *Journal) Size() int { return len(j.entries) }

// Add keeps e, cutting its bodies at MaxBody and giving it the next Seq,
// and drops the oldest entry when the journal is full. It keeps the
// bodies' bytes as they are: the caller must not change them afterwards.
func (j *Journal) Add(e Entry) {
	e.RequestBody, e.RequestCut = cut(e.RequestBody)
	e.ResponseBody, e.ResponseCut = cut(e.ResponseBody)
	j.mu.Lock()
	j.seq++
	e.Seq = j.seq
	j.entries[j.next] = e
	j.next++
	if j.next == len(j.entries) {
		j.next, j.full = 0, true
	}
	j.mu.Unlock()
}

// cut copies the first MaxBody bytes of a longer body, so that the entry
// does not hold the whole one.
func cut(b []byte) ([]byte, bool) {
	if len(b) <= MaxBody {
		return b, false
	}
	return bytes.Clone(b[:MaxBody]), true
}

// List returns up to limit entries (every one when limit <= 0) that pass
// f, newest first.
func (j *Journal) List(f Filter, limit int) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Entry
	n := j.next
	if j.full {
		n = len(j.entries)
	}
	for i := 1; i <= n; i++ {
		e := &j.entries[(j.next-i+len(j.entries))%len(j.entries)]
		if e.Seq <= f.After {
			break // older ones have smaller Seqs still
		}
		if f.Match(e) {
			out = append(out, *e)
			if len(out) == limit {
				break
			}
		}
	}
	return out
}

// Get returns the entry numbered seq, if the journal still holds it.
func (j *Journal) Get(seq int64) (Entry, bool) {
	l := j.List(Filter{After: seq - 1}, 0)
	if len(l) == 0 || l[len(l)-1].Seq != seq {
		return Entry{}, false
	}
	return l[len(l)-1], true
}

// Clear drops every entry; Seq goes on counting from where it was.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.entries)
	j.next, j.full = 0, false
}

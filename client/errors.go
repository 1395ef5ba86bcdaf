package client

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The published error codes, as Error.Code carries them.
const (
	EV1020 = "EV1020" // the token (JWT or OAuth) is not valid
	EV1021 = "EV1021" // no Authorization header
	EV1022 = "EV1022" // the caller may not act on that customer or account
	EV1100 = "EV1100" // invalid input; Error.Field names the first offending field
	EV2234 = "EV2234" // an IRD number failed its check digit or range
	CST404 = "CST404" // no such customer, account, contact or phone (or it was deleted)
	ACT100 = "ACT100" // the account's type may not hold contacts
	CNT101 = "CNT101" // the owner already has a live contact of that type
	CNT102 = "CNT102" // a phone number is invalid for its country
	CNT103 = "CNT103" // a contact must hold 1 to 5 phones
	EU6001 = "EU6001" // unexpected failure on the server
)

// Error is an answer of the API other than success. Code, Type and Message
// are those of the first item of the published error envelope
// {"errors":[{"code","type","message"}]}; an answer that carries no
// envelope (a proxy's 502, say) has an empty Code and a Message describing
// what came back.
type Error struct {
	Status  int    // the HTTP status
	Code    string // the published error code, such as CNT101; empty without an envelope
	Type    string // "validation", "security" or "server"
	Message string // the published message text

	// RequestID is the answer's X-Request-ID header, when it has one: quote
	// it when reporting a problem to the operator.
	RequestID string
	// RetryAfter is the wait the answer's Retry-After header asked for, if any.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "client: HTTP %d", e.Status)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
		if e.Type != "" {
			fmt.Fprintf(&b, " (%s)", e.Type)
		}
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request %s]", e.RequestID)
	}
	return b.String()
}

// Field is the request field an EV1100 names (its message ends in
// ": <FieldName>"), or "" for other errors.
func (e *Error) Field() string {
	if e.Code != EV1100 {
		return ""
	}
	if i := strings.LastIndex(e.Message, ": "); i >= 0 {
		return e.Message[i+2:]
	}
	return ""
}

// Temporary reports whether the same request may succeed later: a 429 or
// a 5xx answer.
func (e *Error) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

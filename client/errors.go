package client

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ErrorCode is a published error code of the suite's APIs, as Error.Code
// carries it. Each code is also a sentinel error: errors.Is(err, CNT101)
// reports whether err is an *Error carrying CNT101.
type ErrorCode string

// Error makes a code usable as a sentinel error, and is the code itself
// (so that fmt prints a code as it is). No call returns a bare ErrorCode.
func (c ErrorCode) Error() string { return string(c) }

// The published error codes of every API of the suite: Contact, Customer,
// Account, Address, Name, Bank, BIC and Period. The codes of an API the
// client has no calls for yet are here too, so that they stay stable.
const (
	EV1020 ErrorCode = "EV1020" // the token (JWT or OAuth) is not valid
	EV1021 ErrorCode = "EV1021" // no Authorization header
	EV1022 ErrorCode = "EV1022" // the caller may not act on that customer or account
	EV1100 ErrorCode = "EV1100" // invalid input; Error.Field names the first offending field
	EV2234 ErrorCode = "EV2234" // an IRD number failed its check digit or range
	CST404 ErrorCode = "CST404" // no such customer, account, contact or phone (or it was deleted)
	ACT100 ErrorCode = "ACT100" // the account's type may not hold contacts
	ADR100 ErrorCode = "ADR100" // an address of this type cannot be deleted: update it instead
	ADR101 ErrorCode = "ADR101" // the owner already has an address of this type
	ADR102 ErrorCode = "ADR102" // the address is invalid
	ADR103 ErrorCode = "ADR103" // the DPID is invalid
	BNK100 ErrorCode = "BNK100" // the bank account is invalid
	BNK101 ErrorCode = "BNK101" // the account has no bank account
	BNK102 ErrorCode = "BNK102" // no physical address for the customer or account in that country
	CNT101 ErrorCode = "CNT101" // the owner already has a live contact of that type
	CNT102 ErrorCode = "CNT102" // a phone number is invalid for its country
	CNT103 ErrorCode = "CNT103" // a contact must hold 1 to 5 phones
	NAM100 ErrorCode = "NAM100" // a name of this type cannot be deleted: update it instead
	NAM101 ErrorCode = "NAM101" // the owner already has a name of this type
	BIC101 ErrorCode = "BIC101" // the customer has no such activity (BIC) code
	BIC102 ErrorCode = "BIC102" // an activity's commence date may not be in the future
	BIC103 ErrorCode = "BIC103" // an activity's cease date may not be in the future
	EU6001 ErrorCode = "EU6001" // unexpected failure on the server
)

// Error is an answer of the API other than success. Code, Type and Message
// are those of the first item of the published error envelope
// {"errors":[{"code","type","message"}]}; an answer that carries no
// envelope (a proxy's 502, say) has an empty Code and a Message describing
// what came back.
type Error struct {
	Status  int       // the HTTP status
	Code    ErrorCode // the published error code, such as CNT101; empty without an envelope
	Type    string    // "validation", "security" or "server"
	Message string    // the published message text

	// RequestID is the call's X-Request-ID: the answer's, or the one the
	// client sent when the answer carries none. Quote it when reporting a
	// problem to the operator.
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

// Is makes errors.Is(err, code) true for an *Error carrying that
// ErrorCode.
func (e *Error) Is(target error) bool {
	c, ok := target.(ErrorCode)
	return ok && e.Code != "" && c == e.Code
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

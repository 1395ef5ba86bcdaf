package contactd

import (
	"errors"
	"fmt"
)

// Code is an error code from the published error catalogue.
type Code string

// The published error codes. Their messages and types are fixed by the
// OpenAPI files; see Code.Message and Code.Type.
const (
	EV1020 Code = "EV1020" // token not valid
	EV1021 Code = "EV1021" // no token
	EV1022 Code = "EV1022" // caller has no right to the identifier
	EV1100 Code = "EV1100" // invalid input parameters
	EV2234 Code = "EV2234" // IRD number failed check digit
	CST404 Code = "CST404" // no such record
	ACT100 Code = "ACT100" // account type not eligible
	CNT101 Code = "CNT101" // contact of that type exists
	CNT102 Code = "CNT102" // invalid phone number
	CNT103 Code = "CNT103" // 1 to 5 phones per contact
	EU6001 Code = "EU6001" // unexpected failure
)

var messages = map[Code]string{
	EV1020: "Authentication failure means the token (JWT or OAuth) provided is not valid",
	EV1021: "No OAuth or JWT token is present as an HTTP header",
	EV1022: "Access is not permitted for the requester to perform this operation for the submitted identifier",
	EV1100: "Invalid input parameters. Please check documentation",
	EV2234: "IR number failed check digit",
	CST404: "A record could not be located for the given identifier.",
	ACT100: "This account type is not eligible to be used in this service.",
	CNT101: "There is an existing contact of this type.",
	CNT102: "The phone number provided is invalid.",
	CNT103: "There must be between 1 and 5 phone numbers on a contact.",
	EU6001: "Unexpected error occurred",
}

// Codes lists every code of the catalogue.
func Codes() []Code {
	return []Code{EV1020, EV1021, EV1022, EV1100, EV2234, CST404, ACT100, CNT101, CNT102, CNT103, EU6001}
}

// Message is the published message text of the code.
func (c Code) Message() string { return messages[c] }

// Type is the published error type: "security" for authentication and
// access, "server" for unexpected failures, "validation" for the rest.
func (c Code) Type() string {
	switch c {
	case EV1020, EV1021, EV1022:
		return "security"
	case EU6001:
		return "server"
	}
	return "validation"
}

// Error is an application error that a caller is allowed to see.
// Field names the offending request field for EV1100.
type Error struct {
	Code  Code
	Field string
}

// Errorf builds an *Error; field may be empty.
func Errorf(code Code, field string) *Error { return &Error{Code: code, Field: field} }

func (e *Error) Error() string { return e.Message() }

// Message is the text the API sends: the catalogue message, followed for
// EV1100 by the name of the first offending field.
func (e *Error) Message() string {
	if e.Code == EV1100 && e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Code.Message(), e.Field)
	}
	return e.Code.Message()
}

// ErrUnavailable marks a failure of the database to answer in time, or
// at all, as opposed to an unexpected one: a write past its deadline, a
// lock another process holds, a full disk, a database that is down. The
// HTTP layer answers it 503 with Retry-After: a later retry may succeed.
// A write that failed so may still have happened (its COMMIT may have
// been on its way).
var ErrUnavailable = errors.New("the database is unavailable")

// ErrorCode returns the code of err if it is (or wraps) an *Error, and
// EU6001 for every other error: an unexpected failure reveals nothing.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EU6001
}

// Explanation is what a code means and what a caller changes to get past
// it, for a person reading a refusal (the sandbox console).
type Explanation struct {
	Means  string
	Change string
}

var explanations = map[Code]Explanation{
	EV1021: {"No Authorization header came, or an empty one.",
		"Send Authorization: Bearer and a token with every API request (in the sandbox, `contactd token` prints one)."},
	EV1020: {"The token is malformed, expired, or (in production) cannot be verified.",
		"Get a new token and send it as Authorization: Bearer and the token; a sandbox token lasts 9 minutes."},
	EV1022: {"The caller has no right to that customer or account (in the sandbox: the EV1022 personas, IRD 102210221 and 132253579, and everything of theirs).",
		"Use a customer or account the caller may act for."},
	EV1100: {"The body is not JSON, breaks the published schema, has a field the schema does not define, or breaks an owner rule; the message names the first offending field (or path, method, body or Idempotency-Key).",
		"Correct the named field as the published YAML defines it: its name, type, length and allowed values."},
	EV2234: {"The IRD number is outside 10,000,000 to 150,000,000 or fails its check digit.",
		"Send a valid IRD number, 9 digits (an 8-digit one with a leading 0)."},
	CST404: {"No live customer, account, contact or phone has that identifier: it is unknown, or it was deleted.",
		"Read the customer or account again for its current ContactIDs and PhoneIDs; a deleted contact or phone never comes back."},
	ACT100: {"The account's type may not hold contacts (KSS).",
		"Use another of the customer's accounts, or a customer-level contact."},
	CNT101: {"The owner already has a live contact of that type: one PRIMRY and one SCNDRY at most, per customer and per account.",
		"Change the existing contact (PUT), or delete it first."},
	CNT102: {"A phone number is not valid for its country.",
		"Digits only. NZ: starting with 0, 8 to 11 digits, the area code inside PhoneNumber and AreaCode empty. Other countries: the AreaCode the YAML's table requires (AU: 2 digits)."},
	CNT103: {"Not 1 to 5 phones on a new contact, a sixth phone on a contact, or the deletion of a contact's last phone.",
		"Keep 1 to 5 phones on every contact; delete the contact itself to remove its last phone."},
	EU6001: {"An unexpected failure on the server, or (with status 429) the caller's rate limit.",
		"Retry later (after Retry-After for a 429); retry a POST with the same Idempotency-Key. The detail is in contactd's log under the request ID."},
}

// Explain says what the code means and what to change; zero for a code
// outside the catalogue.
func (c Code) Explain() Explanation { return explanations[c] }

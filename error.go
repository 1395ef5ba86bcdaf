package contactd

import (
	"errors"
	"fmt"
)

// Code is an error code from the published error catalogue.
type Code string

// The published error codes. Their messages and types are fixed by the
// Swagger files of the APIs (where TEST-DETAILS.md words a message
// differently, the YAML wins: TEST-DETAILS drops the final full stop of the
// ADR, BNK, CNT and NAM101 messages, the YAMLs and samples keep it; the BIC
// messages have none in either); see Code.Message and Code.Type.
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
	ADR100 Code = "ADR100" // address of this type cannot be deleted
	ADR101 Code = "ADR101" // address of that type exists
	ADR102 Code = "ADR102" // invalid address
	ADR103 Code = "ADR103" // invalid DPID
	NAM100 Code = "NAM100" // name of this type cannot be deleted
	NAM101 Code = "NAM101" // name of that type exists
	NAM102 Code = "NAM102" // the legal name is not managed by the Name API
	BIC101 Code = "BIC101" // BIC code not live on the customer
	BIC102 Code = "BIC102" // commence date in the future
	BIC103 Code = "BIC103" // cease date in the future
	BNK100 Code = "BNK100" // invalid bank account
	BNK101 Code = "BNK101" // no bank account to delete
	BNK102 Code = "BNK102" // no physical address in the bank account's country
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
	ADR100: "An address of this type cannot be deleted. Please update instead.",
	ADR101: "There is an existing address of this type.",
	ADR102: "The address provided is invalid.",
	ADR103: "The DPID provided is invalid.",
	NAM100: "A name of this type cannot be deleted. Please update instead.",
	NAM101: "There is an existing name of this type.",
	NAM102: "Cannot use this service to manage a Legal name.",
	BIC101: "Unable to find activity code provided on the customer",
	BIC102: "Activity commence date may not be in the future",
	BIC103: "Activity cease date may not be in the future",
	BNK100: "The bank account provided is invalid.",
	BNK101: "The account provided does not have an existing bank account associated.",
	BNK102: "There is no physical address for the customer or account for the provided country.",
	EU6001: "Unexpected error occurred",
}

// Codes lists every code of the catalogue. The BIC API's BIC000 ("Processing
// of request failed despite request being valid, try again later") is left
// out: contactd answers an unexpected failure with EU6001 on every API.
func Codes() []Code {
	return []Code{EV1020, EV1021, EV1022, EV1100, EV2234, CST404, ACT100,
		CNT101, CNT102, CNT103,
		ADR100, ADR101, ADR102, ADR103,
		NAM100, NAM101, NAM102,
		BIC101, BIC102, BIC103,
		BNK100, BNK101, BNK102,
		EU6001}
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
	CST404: {"No live customer, account, contact or phone has that identifier: it is unknown, or it was deleted; or the account was named with another AccountIDType than its own (ACC, CMPF, KSF).",
		"Read the customer or account again for its current ContactIDs and PhoneIDs; a deleted contact or phone never comes back."},
	ACT100: {"The account's type is not eligible for this service (KSS; for the Period API, any type outside its YAML's AccountType list).",
		"Use another of the customer's accounts, or the customer itself where the API allows it."},
	CNT101: {"The owner already has a live contact of that type: one PRIMRY and one SCNDRY at most, per customer and per account.",
		"Change the existing contact (PUT), or delete it first."},
	CNT102: {"A phone number is not valid for its country.",
		"Digits only. NZ: starting with 0, 8 to 11 digits, the area code inside PhoneNumber and AreaCode empty. Other countries: the AreaCode the YAML's table requires (AU: 2 digits)."},
	CNT103: {"Not 1 to 5 phones on a new contact, a sixth phone on a contact, or the deletion of a contact's last phone.",
		"Keep 1 to 5 phones on every contact; delete the contact itself to remove its last phone."},
	ADR100: {"A customer's physical (LOC) address cannot be deleted: every customer keeps one.",
		"Change it with PUT /address instead."},
	ADR101: {"The owner already has a live address of that type: one each of LOC and MAL per customer, PRFLOC and PRFMAL per account (every customer has a LOC).",
		"Change the existing address (PUT with its AddressID), or delete it first."},
	ADR102: {"The address breaks its country's rules: an unknown country, a missing Urbanisation, State or PostCode (AU: all three; CA, US: State and PostCode), a UnitType the YAML does not list for the country, or a PostCode or State of the wrong form.",
		"Send the fields the country needs; State as an ISO 3166-2 code (AU-NSW, US-AK); a UnitType from the YAML's table for that country."},
	ADR103: {"The DPID is not a New Zealand Post delivery point: below 55, above 7,449,050, or 82794 or 12345.",
		"Send the DPID of the delivery point, or the address itself in Address instead of NewZealand."},
	NAM100: {"The legal name (LGL) cannot be deleted.",
		"Change it with PUT /name instead, or delete a PREFER or DBACST name."},
	NAM101: {"The customer already has a live name of that type: one PREFER and one DBACST at most.",
		"Change the existing name (PUT with its NameID), or delete it first."},
	NAM102: {"The Name API does not manage legal names (LGL).",
		"Create, change or delete PREFER and DBACST names only."},
	BIC101: {"The BIC code is not live on the customer.",
		"Read the customer (its BIC list) for its live codes."},
	BIC102: {"The Commence date is after today (New Zealand time).",
		"Send today's date or an earlier one, or leave Commence out for today."},
	BIC103: {"The Cease date is after today (New Zealand time).",
		"Send today's date or an earlier one, or leave Cease out for today."},
	BNK100: {"The bank account number fails the NZ check-digit rules (bank, branch range, checksum), has non-digits, or is all zeros.",
		"Send the account as Bank (2), Branch (4), Account (8) and Suffix (4) digits exactly as on the bank's statement."},
	BNK101: {"The account has no refund bank account to delete.",
		"Read the account: BankAccount is absent when there is none."},
	BNK102: {"An international bank account needs a physical address in its country: the customer's LOC or the account's PRFLOC.",
		"Add a PRFLOC address in that country to the account first (POST /address), or use an NZ bank account."},
	EU6001: {"An unexpected failure on the server, or (with status 429) the caller's rate limit.",
		"Retry later (after Retry-After for a 429); retry a POST with the same Idempotency-Key. The detail is in contactd's log under the request ID."},
}

// Explain says what the code means and what to change; zero for a code
// outside the catalogue.
func (c Code) Explain() Explanation { return explanations[c] }

// Refusal is an *Error with the reason the operator's log gives for it
// (a token expired, for the wrong audience, signed by an unknown key, ...).
// The caller sees only the Error: Message and ErrorCode are the Error's.
type Refusal struct {
	Err    *Error
	Reason string
}

// Refused returns code as a *Refusal with the reason.
func Refused(code Code, reason string) error { return &Refusal{Err: Errorf(code, ""), Reason: reason} }

func (r *Refusal) Error() string { return r.Err.Error() + " (" + r.Reason + ")" }

// Unwrap returns the Error, so that errors.As finds it.
func (r *Refusal) Unwrap() error { return r.Err }

// RefusalReason returns the reason of the *Refusal err is or wraps, or "".
func RefusalReason(err error) string {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Reason
	}
	return ""
}

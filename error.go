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

// ErrorCode returns the code of err if it is (or wraps) an *Error, and
// EU6001 for every other error: an unexpected failure reveals nothing.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EU6001
}

package contactd

import (
	"time"
)

// ContactType is PRIMRY or SCNDRY; an owner holds at most one live contact
// of each type.
type ContactType string

// The contact types.
const (
	Primary   ContactType = "PRIMRY"
	Secondary ContactType = "SCNDRY"
)

// PhoneType is the kind of a phone number: BSN, BSNFAX, CELL or HOM.
type PhoneType string

// MinPhones and MaxPhones bound the live phones of a live contact.
const (
	MinPhones = 1
	MaxPhones = 5
)

// MaxID bounds every ContactID and PhoneID: IDs stay below 2^53 so that
// JavaScript clients read them exactly.
const MaxID = 1<<53 - 1

// Phone is one phone number of a contact. For NZ numbers the area code is
// part of Number and AreaCode is empty.
type Phone struct {
	ID        int64
	Type      PhoneType
	Country   string
	AreaCode  string
	Number    string
	Extension string
}

// Contact is a named contact of a customer or of one of its accounts.
// Updated moves forward with every change to the contact or its phones.
type Contact struct {
	ID      int64
	Type    ContactType
	Name    string
	Updated time.Time
	Phones  []Phone
}

// CustomerIDType says how a customer is identified: by IRD number or by
// customer identifier.
type CustomerIDType string

// The customer ID types.
const (
	IRD CustomerIDType = "IRD"
	CST CustomerIDType = "CST"
)

// CustomerID identifies a customer. An IRD value is always held in its
// nine-digit form.
type CustomerID struct {
	Type  CustomerIDType
	Value string
}

// OwnerRef names the owner of a new contact as the caller gave it: a
// customer, or an account when AccountID is set. AccountIDType is the type
// of ID the caller named the account by (ACC, CMPF, KSF); "" is ACC.
type OwnerRef struct {
	Customer      CustomerID
	AccountID     string
	AccountIDType string
}

// Owner is a resolved owner: the customer, and for account-level contacts
// the account. Access is decided on it.
type Owner struct {
	CustomerKey int64
	Customer    CustomerID
	AccountKey  int64 // 0 for customer-level
	AccountID   string
	AccountType string
	// AccountIDType is the type of the account's ID (ACC, CMPF, KSF).
	AccountIDType string
}

// AccountLevel reports whether the owner is an account.
func (o Owner) AccountLevel() bool { return o.AccountKey != 0 }

// ineligibleAccountTypes may hold no contacts (spec SANDBOX.md: KSS).
var ineligibleAccountTypes = map[string]bool{"KSS": true}

// AccountTypeEligible reports whether accounts of the type may hold contacts.
func AccountTypeEligible(accountType string) bool { return !ineligibleAccountTypes[accountType] }

// Eligible reports whether the owner may hold contacts: customers always,
// accounts unless their type is ineligible.
func (o Owner) Eligible() bool { return !o.AccountLevel() || AccountTypeEligible(o.AccountType) }

// UpdatedLayout is the published form of Updated, YYYY-MM-DDThh:mm:ss.
const UpdatedLayout = "2006-01-02T15:04:05"

// FormatUpdated writes a contact's Updated as the read APIs show it: in
// New Zealand time, to the second.
func FormatUpdated(t time.Time) string { return t.In(NZ).Format(UpdatedLayout) }

// ParseUpdated reads an Updated written by FormatUpdated. In the hour that
// New Zealand time repeats when daylight saving ends, it gives one of the
// two instants; FormatUpdated writes either as the same text.
func ParseUpdated(s string) (time.Time, error) {
	return time.ParseInLocation(UpdatedLayout, s, NZ)
}

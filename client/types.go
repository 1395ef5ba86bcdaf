package client

import (
	"encoding/json"
	"strings"
	"sync"
	"time"
)

// Customer ID types.
const (
	IRD = "IRD" // an IRD number, 8 or 9 digits without hyphens
	CST = "CST" // a customer identifier, up to 10 digits
)

// ACC is the account ID type of the Contact API's account-level contacts.
const ACC = "ACC"

// Contact types: an owner holds at most one live contact of each.
const (
	Primary   = "PRIMRY"
	Secondary = "SCNDRY"
)

// Phone types.
const (
	Business = "BSN"
	Fax      = "BSNFAX"
	Mobile   = "CELL"
	Home     = "HOM"
)

// The APIs whose Status can be asked.
const (
	ContactAPI  = "contact"
	CustomerAPI = "customer"
	AccountAPI  = "account"
	AddressAPI  = "address"
	NameAPI     = "name"
	BICAPI      = "bic"
	BankAPI     = "bank"
	PeriodAPI   = "period"
)

// Address types: LOC (physical) and MAL (mailing) of a customer, PRFLOC
// and PRFMAL of an account; an owner holds at most one live address of
// each.
const (
	Physical        = "LOC"
	Mailing         = "MAL"
	AccountPhysical = "PRFLOC"
	AccountMailing  = "PRFMAL"
)

// Name types the Name API manages: a preferred name (individuals only)
// and a trade name. The legal name (LGL) is read only.
const (
	Preferred = "PREFER"
	Trade     = "DBACST"
)

// Phone is a phone number as the requests carry it. Country is an ISO
// 3166-1 alpha-2 code. A New Zealand number carries its area code in
// PhoneNumber ("044451153") and leaves AreaCode empty; other countries'
// area codes go in AreaCode (Australia's two digits are required).
type Phone struct {
	PhoneType   string
	Country     string
	AreaCode    string
	PhoneNumber string
	Extension   string
}

// NewContact is the contact of a CreateContact request: its type, its
// name and its 1 to 5 phones.
type NewContact struct {
	ContactType string
	Name        string
	Phone       []Phone
}

// CreateContactRequest is the body of POST /contact. It names exactly one
// owner: a customer (CustomerID with CustomerIDType IRD or CST) or an
// account (AccountID with AccountIDType ACC, which is filled in when left
// empty).
type CreateContactRequest struct {
	CustomerID     string `json:",omitempty"`
	CustomerIDType string `json:",omitempty"`
	AccountID      string `json:",omitempty"`
	AccountIDType  string `json:",omitempty"`
	Contact        NewContact
}

// Contact is a live contact as the customer and account reads list it.
// Updated is New Zealand local time, YYYY-MM-DDThh:mm:ss, as the API
// sends it; it moves forward with every change to the contact or its
// phones.
type Contact struct {
	ContactID   int64
	ContactType string
	Name        string
	Updated     string
	Phone       []PhoneRecord
}

// UpdatedTime reads Updated as a time in New Zealand (Pacific/Auckland).
// It needs the time zone database: a program built for a machine without
// one can import time/tzdata.
func (c Contact) UpdatedTime() (time.Time, error) {
	loc, err := nzLocation()
	if err != nil {
		return time.Time{}, err
	}
	return time.ParseInLocation("2006-01-02T15:04:05", c.Updated, loc)
}

var nzLocation = sync.OnceValues(func() (*time.Location, error) {
	return time.LoadLocation("Pacific/Auckland")
})

// PhoneRecord is a live phone of a contact: its ID and its fields.
type PhoneRecord struct {
	PhoneID int64
	Phone
}

// Name is one of a customer's names.
type Name struct {
	NameID     int64
	Type       string // LGL, PREFER, PRF or DBACST
	Formatted  string
	FirstName  string
	MiddleName string
	LastName   string
	Title      string
	Suffix     string
	Updated    string
}

// Address is one of a customer's or an account's addresses as the reads
// list it; Updated as Contact.Updated.
type Address struct {
	AddressID int64
	Type      string // LOC, MAL, PRFLOC or PRFMAL
	AddressFields
	Formatted string
	Updated   string
}

// AddressFields are an address's parts, as CreateAddress and UpdateAddress
// send them (the Address object) and the reads show them. Street, City and
// Country are required; Australia needs Urbanisation, State (AU-NSW) and
// PostCode; Canada and the USA State and PostCode.
type AddressFields struct {
	Street       string
	Street2      string
	Unit         string
	UnitType     string
	City         string
	State        string
	PostCode     string
	Country      string
	Attention    string
	Urbanisation string
	District     string
	SubDistrict  string
	SubProvince  string
}

// DeliveryPoint is a New Zealand Post delivery point, which the API
// resolves to its address.
type DeliveryPoint struct {
	DPID      int64
	Attention string `json:",omitempty"`
}

// CreateAddressRequest is the body of POST /address: one owner (as in
// CreateContactRequest), the type, and exactly one of Address and
// NewZealand.
type CreateAddressRequest struct {
	CustomerID     string `json:",omitempty"`
	CustomerIDType string `json:",omitempty"`
	AccountID      string `json:",omitempty"`
	AccountIDType  string `json:",omitempty"`
	Type           string
	Address        *AddressFields `json:",omitempty"`
	NewZealand     *DeliveryPoint `json:",omitempty"`
}

// NameParts are the parts of a preferred name (FirstName or LastName
// required) or the Unformatted text of a trade name.
type NameParts struct {
	Unformatted string `json:",omitempty"`
	LastName    string `json:",omitempty"`
	MiddleName  string `json:",omitempty"`
	FirstName   string `json:",omitempty"`
	Title       string `json:",omitempty"`
	Suffix      string `json:",omitempty"`
}

// NZBankAccount is a New Zealand bank account: bank (2 digits), branch
// (4), account (8) and suffix (4), checked with IRD's check-digit
// algorithm. Reference is a credit union's or building society's.
type NZBankAccount struct {
	Bank, Branch, Account, Suffix string
	Reference                     string `json:",omitempty"`
}

// InternationalBankAccount is an account outside New Zealand (the API
// takes Country AU); it needs a physical address of the customer (LOC) or
// the account (PRFLOC) in its country.
type InternationalBankAccount struct {
	RoutingNumber   string
	AccountNumber   string
	BankAccountType string // C (cheque) or S (savings)
	BankName        string
	Country         string
}

// SetBankAccountRequest is the body of POST /bank: the account, the name
// on the bank account, and exactly one of NewZealand and International.
type SetBankAccountRequest struct {
	AccountID     string
	AccountIDType string // ACC (the default), CMPF or KSF
	NameOnAccount string
	NewZealand    *NZBankAccount            `json:",omitempty"`
	International *InternationalBankAccount `json:",omitempty"`
}

// Period is one of an account's filing periods. INC holds an income tax
// period's INC block as received.
type Period struct {
	AccountType              string
	FilingFrequency          string
	NoticeOfAssessmentIssued bool
	PeriodBegin              string
	PeriodEnd                string
	ReturnData               bool
	DefaultAssessment        float64
	INC                      json.RawMessage `json:",omitempty"`
}

// BIC is one of a customer's Business Industry Classification codes.
type BIC struct {
	BICCode string
}

// Customer is a customer with its names, addresses, BIC codes and
// customer-level contacts. The fields the type does not model (Indicator,
// and any the API adds) are
// kept in Extra as received, and MarshalJSON writes them back after the
// modelled ones (which it always writes, "" when the API left one out).
type Customer struct {
	ID            string
	IDType        string
	EntityType    string
	EntitySubType string
	NZBN          string
	Commence      string
	Cease         string
	BIC           []BIC
	Address       []Address
	Name          []Name
	Contact       []Contact

	Extra map[string]json.RawMessage `json:"-"`
}

// Account is an account with its addresses and account-level contacts.
// The fields the type does not model (BankAccount, INC, GST, WFFTC, and any the
// API adds) are kept in Extra as received, and MarshalJSON writes them back
// after the modelled ones (which it always writes).
type Account struct {
	ID              string
	IDType          string
	AccountType     string // INC, GST, FAM, ...
	Status          string // ACT, CLS or SUS
	FilingFrequency string
	FilingChannel   string
	Commence        string
	Cease           string
	Address         []Address
	Contact         []Contact

	Extra map[string]json.RawMessage `json:"-"`
}

// AccountRef is an account of a customer as ListAccounts lists it.
type AccountRef struct {
	ID     string
	IDType string
}

type customerFields Customer

// UnmarshalJSON reads a customer, keeping the fields Customer does not
// model in Extra.
func (c *Customer) UnmarshalJSON(b []byte) error {
	var f customerFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	extra, err := extraFields(b, customerKnown)
	if err != nil {
		return err
	}
	*c = Customer(f)
	c.Extra = extra
	return nil
}

// MarshalJSON writes the customer with its Extra fields.
func (c Customer) MarshalJSON() ([]byte, error) {
	return withExtra(customerFields(c), c.Extra)
}

type accountFields Account

// UnmarshalJSON reads an account, keeping the fields Account does not
// model in Extra.
func (a *Account) UnmarshalJSON(b []byte) error {
	var f accountFields
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	extra, err := extraFields(b, accountKnown)
	if err != nil {
		return err
	}
	*a = Account(f)
	a.Extra = extra
	return nil
}

// MarshalJSON writes the account with its Extra fields.
func (a Account) MarshalJSON() ([]byte, error) {
	return withExtra(accountFields(a), a.Extra)
}

var (
	customerKnown = []string{"ID", "IDType", "EntityType", "EntitySubType", "NZBN", "Commence", "Cease", "BIC", "Address", "Name", "Contact"}
	accountKnown  = []string{"ID", "IDType", "AccountType", "Status", "FilingFrequency", "FilingChannel", "Commence", "Cease", "Address", "Contact"}
)

// extraFields returns the members of the JSON object b that none of known
// names (encoding/json matches names case-insensitively, and so does this).
func extraFields(b []byte, known []string) (map[string]json.RawMessage, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	for k := range all {
		for _, name := range known {
			if strings.EqualFold(k, name) {
				delete(all, k)
				break
			}
		}
	}
	if len(all) == 0 {
		return nil, nil
	}
	return all, nil
}

// withExtra marshals v, a struct, and adds the extra members it lacks.
func withExtra(v any, extra map[string]json.RawMessage) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(b, &all); err != nil {
		return nil, err
	}
	for k, raw := range extra {
		if _, ok := all[k]; !ok {
			all[k] = raw
		}
	}
	return json.Marshal(all)
}

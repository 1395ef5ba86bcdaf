package contactd

import (
	"context"
	"encoding/json"
	"time"
)

// Customer is a customer as the read side shows it. Profile is a JSON
// object of the published fields contactd keeps but does not manage
// (entity type, NZBN, indicators, ...). Records are its live
// customer-level records (names, addresses, BIC codes) in ID order, where
// the method says it gives them.
type Customer struct {
	Key     int64
	ID      CustomerID
	Profile json.RawMessage
	Records []Record
}

// Account is an account of a customer. Type is the account type (INC, GST,
// ...); Profile is a JSON object like Customer.Profile. CustomerKey is the
// store's key of Customer: Store.Account and Store.CustomerAccounts always
// give it (a Dataset to load leaves it 0).
type Account struct {
	Key         int64
	ID          string
	IDType      string
	Type        string
	Customer    CustomerID
	CustomerKey int64
	Profile     json.RawMessage
	Records     []Record // live account-level records, in ID order, where the method says it gives them
}

// Owner returns the account, as a store gives it, as the owner of its
// account-level contacts.
func (a Account) Owner() Owner {
	return Owner{CustomerKey: a.CustomerKey, Customer: a.Customer, AccountKey: a.Key, AccountID: a.ID, AccountType: a.Type,
		AccountIDType: a.IDType}
}

// SeedContact is a contact to load with its IDs as given, live or ceased.
type SeedContact struct {
	Owner   OwnerRef
	Contact Contact
	Ceased  bool
}

// Dataset is a whole set of customers, accounts and contacts to load into
// an empty store: the sandbox personas, or synthetic data.
type Dataset struct {
	Customers []Customer
	Accounts  []Account
	Contacts  []SeedContact
	Records   []SeedRecord
}

// MaxID is the highest contact, phone or record ID the dataset holds, 0 for none:
// a store moves its ID sequence above it before loading.
func (d Dataset) MaxID() int64 {
	var id int64
	for _, sc := range d.Contacts {
		id = max(id, sc.Contact.ID)
		for _, p := range sc.Contact.Phones {
			id = max(id, p.ID)
		}
	}
	for _, sr := range d.Records {
		id = max(id, sr.Record.ID)
	}
	return id
}

// Change says who makes a write, when and on which request: the store
// writes it into the audit trail in the write's own transaction.
type Change struct {
	Time      time.Time
	Caller    Caller
	RequestID string
	// Idempotency, when set on CreateContact or AddPhone, makes the write
	// happen at most once per caller and key until the key expires.
	Idempotency *Idempotency
}

// Idempotency is an Idempotency-Key of a POST. The same caller, key and
// fingerprint within the key's life answer the first write's ID without
// writing again; the same caller and key with another fingerprint is
// ErrIdempotencyKeyReused.
type Idempotency struct {
	Key         string
	Fingerprint string // a digest of the operation and the request body
	Expires     time.Time
}

// Replayed is the answer to a request with the key k, for op, when the
// store holds the key with the first request's fingerprint and operation
// and the ID it answered: that ID, or ErrIdempotencyKeyReused when the
// request is another.
func (k *Idempotency) Replayed(fingerprint, firstOp, op string, id int64) (int64, bool, error) {
	if fingerprint != k.Fingerprint || firstOp != op {
		return 0, false, ErrIdempotencyKeyReused
	}
	return id, true, nil
}

// ErrIdempotencyKeyReused is an Idempotency-Key sent again with another request.
var ErrIdempotencyKeyReused = Errorf(EV1100, "Idempotency-Key")

// The audited operations.
const (
	OpCreateContact = "contact.create"
	OpRenameContact = "contact.rename"
	OpCeaseContact  = "contact.cease"
	OpAddPhone      = "phone.add"
	OpUpdatePhone   = "phone.update"
	OpCeasePhone    = "phone.cease"
)

// The verbs of audited record operations: a record's operation is
// RecordOp(kind, verb), e.g. "address.create".
const (
	VerbCreate  = "create"
	VerbReplace = "replace" // PutRecord with Replace, when a live record was ceased
	VerbMerge   = "merge"   // PutRecord with Merge, when a live record was changed
	VerbUpdate  = "update"
	VerbCease   = "cease"
)

// RecordOp is the audited operation of a verb on a record of the kind.
func RecordOp(kind Kind, verb string) string { return string(kind) + "." + verb }

// PhoneValues is a phone as the audit trail records it.
type PhoneValues struct {
	PhoneID     int64
	PhoneType   PhoneType
	Country     string
	AreaCode    string
	PhoneNumber string
	Extension   string
}

// ContactValues is a contact as the audit trail records it; Phone lists
// its live phones where the operation concerns them.
type ContactValues struct {
	ContactID   int64
	ContactType ContactType
	Name        string
	Phone       []PhoneValues `json:",omitempty"`
}

// AuditRecord is one successful change, appended in the change's own
// transaction and never altered. Before and After hold ContactValues (for
// contact operations), PhoneValues (for phone operations) or RecordValues
// (for record operations) as JSON, or null where there is nothing.
type AuditRecord struct {
	Seq       int64
	Time      time.Time
	Operation string
	ContactID int64 // 0 for record operations
	PhoneID   int64 // 0 for contact and record operations
	RecordID  int64 // 0 for contact and phone operations
	Customer  CustomerID
	AccountID string // "" for customer-level contacts
	Caller    Caller
	RequestID string
	Before    json.RawMessage
	After     json.RawMessage
}

// AuditQuery selects audit records; zero fields select everything.
type AuditQuery struct {
	Customer  CustomerID
	AccountID string
	ContactID int64
	RecordID  int64
	From, To  time.Time // To is exclusive
	AfterSeq  int64
	Limit     int
}

// Store is everything contactd keeps: one small interface per concern,
// each held to the conformance suite in package storetest.
type Store interface {
	ReadStore
	ContactStore
	RecordStore
	IdempotencyStore
	AuditStore
	AdminStore
}

// ReadStore resolves customers and accounts and serves the read APIs.
// Unknown identifiers are *Error CST404.
type ReadStore interface {
	// Customer returns the customer with the ID (without Records).
	Customer(ctx context.Context, id CustomerID) (Customer, error)
	// Account returns the account with the ID (without Records).
	Account(ctx context.Context, accountID string) (Account, error)
	// CustomerAccounts lists a customer's accounts in the order they were
	// added; Profile may be left empty.
	CustomerAccounts(ctx context.Context, customerKey int64) ([]Account, error)
	// Owner resolves a customer or account reference.
	Owner(ctx context.Context, ref OwnerRef) (Owner, error)
	// CustomerContacts is the customer with its Records and then its
	// customer-level Contacts, as the read API needs them, in one call
	// that a store may serve with one query.
	CustomerContacts(ctx context.Context, id CustomerID) (Customer, []Contact, error)
	// AccountContacts is the account with its Records and then its
	// Contacts, in one call.
	AccountContacts(ctx context.Context, accountID string) (Account, []Contact, error)
}

// ContactStore keeps contacts and phones. Implementations hold the
// invariants in the database: at most one live contact per owner and type
// (CNT101), 1 to 5 live phones per live contact (CNT103), and ceased
// contacts and phones stay ceased, their IDs never reused.
//
// Unknown or ceased identifiers are *Error CST404. Every write is one
// transaction that is durable when the method returns, and that appends
// its audit record. The change's Time sets Updated; a contact's Updated
// never moves backwards, and a change moves it to the change's Time or,
// when that is not later, one second on, so that the second-resolution
// Updated the API shows changes; but never to more than one second past
// the change's Time.
type ContactStore interface {
	// ContactOwner returns the owner of a live contact.
	ContactOwner(ctx context.Context, contactID int64) (Owner, error)
	// PhoneOwner returns the owner of a live phone's contact.
	PhoneOwner(ctx context.Context, phoneID int64) (Owner, error)
	// Contacts lists the owner's own live contacts (customer-level for a
	// customer, the account's for an account) with their live phones,
	// in ID order.
	Contacts(ctx context.Context, owner Owner) ([]Contact, error)

	// CreateContact adds a contact with its phones and returns its ID:
	// CNT101 when the owner has a live contact of that type.
	CreateContact(ctx context.Context, owner Owner, c Contact, ch Change) (int64, error)
	// RenameContact changes the name of a live contact.
	RenameContact(ctx context.Context, contactID int64, name string, ch Change) error
	// CeaseContact ceases a live contact and all its phones.
	CeaseContact(ctx context.Context, contactID int64, ch Change) error
	// AddPhone adds a phone to a live contact and returns its ID: CNT103
	// when the contact already has MaxPhones.
	AddPhone(ctx context.Context, contactID int64, p Phone, ch Change) (int64, error)
	// UpdatePhone replaces every field of the live phone p.ID.
	UpdatePhone(ctx context.Context, p Phone, ch Change) error
	// CeasePhone ceases a live phone: CNT103 when it is its contact's last.
	CeasePhone(ctx context.Context, phoneID int64, ch Change) error
}

// IdempotencyStore answers a POST's Idempotency-Key before any other check.
type IdempotencyStore interface {
	// Replay looks up the change's Idempotency key for the caller among
	// the keys that have not expired at ch.Time: the ID the first write
	// with it answered and true; ErrIdempotencyKeyReused when the key was
	// used for another request (another fingerprint or operation); false
	// when it is unknown or ch has no key. The write methods make the
	// same check inside their transaction, which decides when duplicates
	// race; Replay lets the first answer be given before any other check.
	Replay(ctx context.Context, ch Change, op string) (id int64, found bool, err error)
}

// AuditStore reads the audit trail that every write appends to.
type AuditStore interface {
	// Audit lists audit records in the order they were appended.
	Audit(ctx context.Context, q AuditQuery) ([]AuditRecord, error)
}

// AdminStore is what starting, seeding and checking a store needs.
type AdminStore interface {
	// Load adds a dataset in one transaction, keeping its IDs, and makes
	// sure every ID issued later is above every ID in it.
	Load(ctx context.Context, d Dataset) error
	// ReplaceCustomer makes what the store holds of line's customer what
	// line says, as PlanReplace decides, in one transaction that appends
	// an audit record for each change ch makes: CST404 when the customer
	// is not held; a *ReplaceRefusal, or the code of a rule the database
	// holds (CNT101, NAM101, ...), when the line is refused, which then
	// changes nothing. It first moves the ID sequence above maxID and
	// every ID of line, as Load does, so that an ID it issues (for a
	// record line gives without one) is none of them.
	ReplaceCustomer(ctx context.Context, line CustomerRecord, maxID int64, ch Change) error
	// ClaimMode records whether the database is a sandbox, if it records
	// nothing yet, and returns what it records: sandbox as asked on a
	// database without customers, false (production) on one that holds
	// some. Once recorded, the mode never changes.
	ClaimMode(ctx context.Context, sandbox bool) (recorded bool, err error)
	// Empty reports whether the store holds no customer.
	Empty(ctx context.Context) (bool, error)
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// CustomerRecord is a customer with everything the read APIs show of it:
// its live contacts and its accounts with theirs. It is the unit that
// `contactd export` writes and `contactd import` reads, one a line.
type CustomerRecord struct {
	Customer Customer
	Contacts []Contact
	Accounts []AccountRecord
}

// AccountRecord is an account of a CustomerRecord with its live contacts.
type AccountRecord struct {
	Account  Account
	Contacts []Contact
}

// CustomerLister pages through every customer a store holds, for export.
type CustomerLister interface {
	// CustomersAfter returns at most n customers whose Key is above
	// after, in Key order; their Profile may be left empty.
	CustomersAfter(ctx context.Context, after int64, n int) ([]Customer, error)
}

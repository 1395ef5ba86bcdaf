package contactd

import (
	"context"
	"encoding/json"
	"time"
)

// Kind is the kind of a Record: one per update API of the suite that
// manages customer or account data other than contacts.
type Kind string

// The record kinds.
const (
	KindName    Kind = "name"
	KindAddress Kind = "address"
	KindBIC     Kind = "bic"
	KindBank    Kind = "bank"
	// KindPeriod is a filing period of an account (Key is its PeriodEnd,
	// YYYY-MM-DD): data the Period API lists, which no update API changes.
	KindPeriod Kind = "period"
)

// Kinds lists every record kind.
func Kinds() []Kind { return []Kind{KindName, KindAddress, KindBIC, KindBank, KindPeriod} }

// Conflict is the code that refuses a second live record of the kind and
// key on one owner, where the kind refuses one (OnLive Refuse).
func (k Kind) Conflict() Code {
	switch k {
	case KindName:
		return NAM101
	case KindAddress:
		return ADR101
	}
	return EU6001 // kinds that never refuse: a conflict is a bug
}

// Record is one item of customer or account data that an update API
// manages: a name (Key is its type), an address (Key is its type), a BIC
// code (Key is the code), a refund bank account (Key is "") or a filing
// period (Key is its PeriodEnd). An owner
// holds at most one live record of a kind and key.
//
// Fields holds the record's published fields as the read APIs show them,
// in the published order, without its ID and Updated, which the read adds
// where the published shape has them: a JSON object that the stores keep
// as it is and never look into.
type Record struct {
	ID      int64
	Kind    Kind
	Key     string
	Fields  json.RawMessage
	Updated time.Time
}

// OnLive says what PutRecord does when the owner already holds a live
// record of the same kind and key.
type OnLive int

// What PutRecord does with a live record of the same kind and key.
const (
	// Refuse answers the kind's Conflict code (ADR101, NAM101).
	Refuse OnLive = iota
	// Replace ceases the live record and adds the new one (a refund bank
	// account: the old one stays in history).
	Replace
	// Merge replaces the live record's fields in place, keeping its ID (a
	// BIC code posted again moves its commence date).
	Merge
)

// RecordValues is a record as the audit trail records it.
type RecordValues struct {
	ID     int64
	Kind   Kind
	Key    string
	Fields json.RawMessage
}

// SeedRecord is a record to load with its ID as given, live or ceased.
type SeedRecord struct {
	Owner  OwnerRef
	Record Record
	Ceased bool
}

// RecordStore keeps records. Implementations hold the invariants in the
// database: at most one live record per owner, kind and key; ceased
// records never change; IDs come from the sequence of contacts and phones
// and are never reused. Every write is one durable transaction that
// appends its audit record (operation "<kind>.<verb>", RecordID set) and
// moves the record's Updated at least one second forward.
type RecordStore interface {
	// Record returns a live record of the kind with its owner: CST404
	// when the ID is unknown, ceased, or of another kind.
	Record(ctx context.Context, kind Kind, id int64) (Owner, Record, error)
	// LiveRecord returns the owner's own live record of the kind and key:
	// CST404 when there is none.
	LiveRecord(ctx context.Context, owner Owner, kind Kind, key string) (Record, error)
	// PutRecord adds rec (its ID, Updated ignored) to the owner and
	// returns its ID; a live record of the same kind and key is handled
	// as on says (Merge returns the live record's ID). Change.Idempotency
	// applies as for CreateContact.
	PutRecord(ctx context.Context, owner Owner, rec Record, on OnLive, ch Change) (int64, error)
	// UpdateRecord replaces the key and fields of a live record: the
	// kind's Conflict code when the new key is taken by another live
	// record of the owner.
	UpdateRecord(ctx context.Context, kind Kind, id int64, key string, fields json.RawMessage, ch Change) error
	// CeaseRecord ceases a live record for good.
	CeaseRecord(ctx context.Context, kind Kind, id int64, ch Change) error
}

package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/contactd/contactd"
)

// Replicas is one contactd.Store made of several stores on one database,
// each call going to the next in turn, as requests spread over replicas
// would: the suite then races writers that only the database keeps apart.
// Empty and the Load after it go to the same store, as a process seeding
// the database makes them. Close closes them all.
func Replicas(stores ...contactd.Store) contactd.Store {
	return &replicas{s: stores}
}

type replicas struct {
	s []contactd.Store
	n atomic.Uint64

	mu      sync.Mutex
	seeding contactd.Store // the store whose Empty answered true, for the next Load
}

func (r *replicas) pick() contactd.Store { return r.s[r.n.Add(1)%uint64(len(r.s))] }

func (r *replicas) Customer(ctx context.Context, id contactd.CustomerID) (contactd.Customer, error) {
	return r.pick().Customer(ctx, id)
}
func (r *replicas) Account(ctx context.Context, id string) (contactd.Account, error) {
	return r.pick().Account(ctx, id)
}
func (r *replicas) CustomerAccounts(ctx context.Context, key int64) ([]contactd.Account, error) {
	return r.pick().CustomerAccounts(ctx, key)
}
func (r *replicas) Owner(ctx context.Context, ref contactd.OwnerRef) (contactd.Owner, error) {
	return r.pick().Owner(ctx, ref)
}
func (r *replicas) ContactOwner(ctx context.Context, id int64) (contactd.Owner, error) {
	return r.pick().ContactOwner(ctx, id)
}
func (r *replicas) PhoneOwner(ctx context.Context, id int64) (contactd.Owner, error) {
	return r.pick().PhoneOwner(ctx, id)
}
func (r *replicas) Contacts(ctx context.Context, o contactd.Owner) ([]contactd.Contact, error) {
	return r.pick().Contacts(ctx, o)
}
func (r *replicas) CustomerContacts(ctx context.Context, id contactd.CustomerID) (contactd.Customer, []contactd.Contact, error) {
	return r.pick().CustomerContacts(ctx, id)
}
func (r *replicas) AccountContacts(ctx context.Context, id string) (contactd.Account, []contactd.Contact, error) {
	return r.pick().AccountContacts(ctx, id)
}
func (r *replicas) CreateContact(ctx context.Context, o contactd.Owner, c contactd.Contact, ch contactd.Change) (int64, error) {
	return r.pick().CreateContact(ctx, o, c, ch)
}
func (r *replicas) RenameContact(ctx context.Context, id int64, name string, ch contactd.Change) error {
	return r.pick().RenameContact(ctx, id, name, ch)
}
func (r *replicas) CeaseContact(ctx context.Context, id int64, ch contactd.Change) error {
	return r.pick().CeaseContact(ctx, id, ch)
}
func (r *replicas) AddPhone(ctx context.Context, id int64, p contactd.Phone, ch contactd.Change) (int64, error) {
	return r.pick().AddPhone(ctx, id, p, ch)
}
func (r *replicas) UpdatePhone(ctx context.Context, p contactd.Phone, ch contactd.Change) error {
	return r.pick().UpdatePhone(ctx, p, ch)
}
func (r *replicas) CeasePhone(ctx context.Context, id int64, ch contactd.Change) error {
	return r.pick().CeasePhone(ctx, id, ch)
}
func (r *replicas) Record(ctx context.Context, kind contactd.Kind, id int64) (contactd.Owner, contactd.Record, error) {
	return r.pick().Record(ctx, kind, id)
}
func (r *replicas) LiveRecord(ctx context.Context, o contactd.Owner, kind contactd.Kind, key string) (contactd.Record, error) {
	return r.pick().LiveRecord(ctx, o, kind, key)
}
func (r *replicas) PutRecord(ctx context.Context, o contactd.Owner, rec contactd.Record, on contactd.OnLive, ch contactd.Change) (int64, error) {
	return r.pick().PutRecord(ctx, o, rec, on, ch)
}
func (r *replicas) UpdateRecord(ctx context.Context, kind contactd.Kind, id int64, key string, fields json.RawMessage, ch contactd.Change) error {
	return r.pick().UpdateRecord(ctx, kind, id, key, fields, ch)
}
func (r *replicas) CeaseRecord(ctx context.Context, kind contactd.Kind, id int64, ch contactd.Change) error {
	return r.pick().CeaseRecord(ctx, kind, id, ch)
}
func (r *replicas) Replay(ctx context.Context, ch contactd.Change, op string) (int64, bool, error) {
	return r.pick().Replay(ctx, ch, op)
}
func (r *replicas) ClaimMode(ctx context.Context, sandbox bool) (bool, error) {
	return r.pick().ClaimMode(ctx, sandbox)
}
func (r *replicas) Audit(ctx context.Context, q contactd.AuditQuery) ([]contactd.AuditRecord, error) {
	return r.pick().Audit(ctx, q)
}

func (r *replicas) Load(ctx context.Context, d contactd.Dataset) error {
	r.mu.Lock()
	s := r.seeding
	r.seeding = nil
	r.mu.Unlock()
	if s == nil {
		s = r.pick()
	}
	return s.Load(ctx, d)
}

func (r *replicas) ReplaceCustomer(ctx context.Context, line contactd.CustomerRecord, maxID int64, ch contactd.Change) error {
	return r.pick().ReplaceCustomer(ctx, line, maxID, ch)
}

func (r *replicas) Empty(ctx context.Context) (bool, error) {
	s := r.pick()
	empty, err := s.Empty(ctx)
	if empty {
		r.mu.Lock()
		r.seeding = s
		r.mu.Unlock()
	}
	return empty, err
}

func (r *replicas) Ping(ctx context.Context) error { return r.pick().Ping(ctx) }

func (r *replicas) Close() error {
	var errs []error
	for _, s := range r.s {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

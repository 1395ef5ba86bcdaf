package metrics

import (
	"context"
	"encoding/json"
	"time"

	"github.com/contactd/contactd"
	"github.com/prometheus/client_golang/prometheus"
)

// Store wraps s so that every call of a contactd.Store method is timed in
// contactd_store_operation_duration_seconds{method}, the method label being
// the Go method's name. The result is only a contactd.Store: optional
// interfaces of s (a registry, pool statistics) are not passed through, so
// give those the unwrapped store. On a nil m it returns s as it is.
func (m *Metrics) Store(s contactd.Store) contactd.Store {
	if m == nil {
		return s
	}
	o := func(method string) prometheus.Observer { return m.store.WithLabelValues(method) }
	return &timedStore{
		next:             s,
		customer:         o("Customer"),
		account:          o("Account"),
		customerAccounts: o("CustomerAccounts"),
		owner:            o("Owner"),
		contactOwner:     o("ContactOwner"),
		phoneOwner:       o("PhoneOwner"),
		contacts:         o("Contacts"),
		customerContacts: o("CustomerContacts"),
		accountContacts:  o("AccountContacts"),
		createContact:    o("CreateContact"),
		renameContact:    o("RenameContact"),
		ceaseContact:     o("CeaseContact"),
		addPhone:         o("AddPhone"),
		updatePhone:      o("UpdatePhone"),
		ceasePhone:       o("CeasePhone"),
		record:           o("Record"),
		liveRecord:       o("LiveRecord"),
		putRecord:        o("PutRecord"),
		updateRecord:     o("UpdateRecord"),
		ceaseRecord:      o("CeaseRecord"),
		audit:            o("Audit"),
		replay:           o("Replay"),
		claimMode:        o("ClaimMode"),
		load:             o("Load"),
		replaceCustomer:  o("ReplaceCustomer"),
		empty:            o("Empty"),
		ping:             o("Ping"),
	}
}

// timedStore is the instrumenting decorator; each observer is resolved
// once, so a call costs two clock reads and one observation.
type timedStore struct {
	next contactd.Store

	customer, account, customerAccounts, owner, contactOwner, phoneOwner, contacts prometheus.Observer
	createContact, renameContact, ceaseContact, addPhone, updatePhone, ceasePhone  prometheus.Observer
	customerContacts, accountContacts                                              prometheus.Observer
	record, liveRecord, putRecord, updateRecord, ceaseRecord                       prometheus.Observer
	audit, replay, claimMode, load, replaceCustomer, empty, ping                   prometheus.Observer
}

var _ contactd.Store = (*timedStore)(nil)

func since(o prometheus.Observer, start time.Time) { o.Observe(time.Since(start).Seconds()) }

func (s *timedStore) Customer(ctx context.Context, id contactd.CustomerID) (contactd.Customer, error) {
	defer since(s.customer, time.Now())
	return s.next.Customer(ctx, id)
}

func (s *timedStore) Account(ctx context.Context, accountID string) (contactd.Account, error) {
	defer since(s.account, time.Now())
	return s.next.Account(ctx, accountID)
}

func (s *timedStore) CustomerAccounts(ctx context.Context, customerKey int64) ([]contactd.Account, error) {
	defer since(s.customerAccounts, time.Now())
	return s.next.CustomerAccounts(ctx, customerKey)
}

func (s *timedStore) Owner(ctx context.Context, ref contactd.OwnerRef) (contactd.Owner, error) {
	defer since(s.owner, time.Now())
	return s.next.Owner(ctx, ref)
}

func (s *timedStore) ContactOwner(ctx context.Context, contactID int64) (contactd.Owner, error) {
	defer since(s.contactOwner, time.Now())
	return s.next.ContactOwner(ctx, contactID)
}

func (s *timedStore) PhoneOwner(ctx context.Context, phoneID int64) (contactd.Owner, error) {
	defer since(s.phoneOwner, time.Now())
	return s.next.PhoneOwner(ctx, phoneID)
}

func (s *timedStore) Contacts(ctx context.Context, owner contactd.Owner) ([]contactd.Contact, error) {
	defer since(s.contacts, time.Now())
	return s.next.Contacts(ctx, owner)
}

func (s *timedStore) CustomerContacts(ctx context.Context, id contactd.CustomerID) (contactd.Customer, []contactd.Contact, error) {
	defer since(s.customerContacts, time.Now())
	return s.next.CustomerContacts(ctx, id)
}

func (s *timedStore) AccountContacts(ctx context.Context, accountID string) (contactd.Account, []contactd.Contact, error) {
	defer since(s.accountContacts, time.Now())
	return s.next.AccountContacts(ctx, accountID)
}

func (s *timedStore) CreateContact(ctx context.Context, owner contactd.Owner, c contactd.Contact, ch contactd.Change) (int64, error) {
	defer since(s.createContact, time.Now())
	return s.next.CreateContact(ctx, owner, c, ch)
}

func (s *timedStore) RenameContact(ctx context.Context, contactID int64, name string, ch contactd.Change) error {
	defer since(s.renameContact, time.Now())
	return s.next.RenameContact(ctx, contactID, name, ch)
}

func (s *timedStore) CeaseContact(ctx context.Context, contactID int64, ch contactd.Change) error {
	defer since(s.ceaseContact, time.Now())
	return s.next.CeaseContact(ctx, contactID, ch)
}

func (s *timedStore) AddPhone(ctx context.Context, contactID int64, p contactd.Phone, ch contactd.Change) (int64, error) {
	defer since(s.addPhone, time.Now())
	return s.next.AddPhone(ctx, contactID, p, ch)
}

func (s *timedStore) UpdatePhone(ctx context.Context, p contactd.Phone, ch contactd.Change) error {
	defer since(s.updatePhone, time.Now())
	return s.next.UpdatePhone(ctx, p, ch)
}

func (s *timedStore) CeasePhone(ctx context.Context, phoneID int64, ch contactd.Change) error {
	defer since(s.ceasePhone, time.Now())
	return s.next.CeasePhone(ctx, phoneID, ch)
}

func (s *timedStore) Record(ctx context.Context, kind contactd.Kind, id int64) (contactd.Owner, contactd.Record, error) {
	defer since(s.record, time.Now())
	return s.next.Record(ctx, kind, id)
}

func (s *timedStore) LiveRecord(ctx context.Context, owner contactd.Owner, kind contactd.Kind, key string) (contactd.Record, error) {
	defer since(s.liveRecord, time.Now())
	return s.next.LiveRecord(ctx, owner, kind, key)
}

func (s *timedStore) PutRecord(ctx context.Context, owner contactd.Owner, rec contactd.Record, on contactd.OnLive, ch contactd.Change) (int64, error) {
	defer since(s.putRecord, time.Now())
	return s.next.PutRecord(ctx, owner, rec, on, ch)
}

func (s *timedStore) UpdateRecord(ctx context.Context, kind contactd.Kind, id int64, key string, fields json.RawMessage, ch contactd.Change) error {
	defer since(s.updateRecord, time.Now())
	return s.next.UpdateRecord(ctx, kind, id, key, fields, ch)
}

func (s *timedStore) CeaseRecord(ctx context.Context, kind contactd.Kind, id int64, ch contactd.Change) error {
	defer since(s.ceaseRecord, time.Now())
	return s.next.CeaseRecord(ctx, kind, id, ch)
}

func (s *timedStore) Audit(ctx context.Context, q contactd.AuditQuery) ([]contactd.AuditRecord, error) {
	defer since(s.audit, time.Now())
	return s.next.Audit(ctx, q)
}

func (s *timedStore) Replay(ctx context.Context, ch contactd.Change, op string) (int64, bool, error) {
	defer since(s.replay, time.Now())
	return s.next.Replay(ctx, ch, op)
}

func (s *timedStore) ClaimMode(ctx context.Context, sandbox bool) (bool, error) {
	defer since(s.claimMode, time.Now())
	return s.next.ClaimMode(ctx, sandbox)
}

func (s *timedStore) Load(ctx context.Context, d contactd.Dataset) error {
	defer since(s.load, time.Now())
	return s.next.Load(ctx, d)
}

func (s *timedStore) ReplaceCustomer(ctx context.Context, line contactd.CustomerRecord, maxID int64, ch contactd.Change) error {
	defer since(s.replaceCustomer, time.Now())
	return s.next.ReplaceCustomer(ctx, line, maxID, ch)
}

func (s *timedStore) Empty(ctx context.Context) (bool, error) {
	defer since(s.empty, time.Now())
	return s.next.Empty(ctx)
}

func (s *timedStore) Ping(ctx context.Context) error {
	defer since(s.ping, time.Now())
	return s.next.Ping(ctx)
}

// Close is not timed.
func (s *timedStore) Close() error { return s.next.Close() }

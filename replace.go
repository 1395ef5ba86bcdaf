package contactd

import (
	"context"
	"encoding/json"
	"reflect"
	"strconv"
)

// A replace (Store.ReplaceCustomer, `contactd import --existing replace`)
// makes what a store holds of a customer what a line of the import format
// says of it, in one transaction. The stores read what they hold
// (ReplaceHeld) and PlanReplace, here, decides the changes (ReplacePlan),
// which they write with their audit records. The rules:
//
//   - the customer's profile, and the profile of each account the line
//     names, become the line's; accounts it names that are not held are
//     added; an account another customer holds refuses the line;
//   - accounts the line does not name are left as held, with their
//     contacts and records (accounts are never deleted);
//   - of the customer and the accounts the line names, a live contact,
//     phone or record the line does not carry is ceased; one it carries
//     unchanged is left as it is; one it carries changed is changed in
//     place, as the API changes it (a contact renamed, a phone updated, a
//     record's key and fields replaced), keeping its ID; one it carries
//     with an ID not held is added with that ID;
//   - an ID held by another owner, by something else (a contact's ID held
//     by a phone), or by a ceased contact, phone or record refuses the
//     line, and so does a contact of another type than the one held
//     under its ID (a contact's type never changes);
//   - records without an ID in the line (a BIC code, a bank account) are
//     matched by their kind and key: the held record is kept when the
//     fields the line gives are as held, else changed as the BIC API does
//     (in place) or replaced as the Bank API does (the old one ceased, a
//     new one with the next ID);
//   - filing periods, which the line does not carry, are left as held.

// ReplaceHeld is what a store holds that a replace of a customer depends
// on, read in the replace's own transaction.
type ReplaceHeld struct {
	Customer Customer // Key, ID and Profile
	// Accounts are the customer's accounts by ID (Key, Type, IDType,
	// Profile).
	Accounts map[string]Account
	// Others are the accounts the line names that another customer holds.
	Others map[string]CustomerID
	// Contacts are the live contacts, with their live phones, of the
	// customer ("") and of its accounts the line names, by account ID.
	Contacts map[string][]Contact
	// Records are the live records of the same owners.
	Records map[string][]Record
	// IDs are what holds each contact, phone and record ID the line
	// carries, for those the store holds.
	IDs map[int64]HeldID
}

// HeldID is what holds an ID.
type HeldID struct {
	What      string // "contact", "phone" or "record"
	Live      bool
	Customer  int64  // the owner's customer key
	AccountID string // the owner's account, "" for the customer
	Contact   int64  // a phone's contact
	Kind      Kind   // a record's kind
}

// ReplacePlan is what a replace changes, in the order it is written:
// profiles and accounts, then what is ceased, then what is changed, then
// what is added, so that no step meets a one-live-per-type or per-key
// rule that the end state keeps.
type ReplacePlan struct {
	Steps []ReplaceStep
}

// StepKind is what a step of a replace writes.
type StepKind int

// The steps of a replace.
const (
	StepCustomerProfile StepKind = iota // Profile; Before is the held profile
	StepAddAccount                      // Account
	StepAccountProfile                  // Account (ID, Profile); Before is the held profile
	StepCeaseContact                    // ContactID; Before
	StepRenameContact                   // ContactID, Contact.Name; Before
	StepUpdatePhone                     // ContactID, Phone; Before
	StepCeasePhone                      // ContactID, Phone.ID; Before
	StepAddPhone                        // ContactID, Phone (ID 0: the next ID)
	StepCreateContact                   // AccountID, Contact with its phones
	StepCeaseRecord                     // Record (held); Before
	StepChangeRecord                    // Record (ID held, new key and fields); Before; Op's verb update or merge
	StepAddRecord                       // AccountID, Record (ID 0: the next ID); Ceases the record it replaces, Before its values
)

// ReplaceStep is one change of a replace, with the audit record's
// operation and values (After is completed by the store where it issues
// an ID).
type ReplaceStep struct {
	Kind      StepKind
	Op        string // the audited operation
	AccountID string // the owner: "" for the customer
	Profile   json.RawMessage
	Account   Account
	ContactID int64
	Contact   Contact
	Phone     Phone
	Record    Record
	Ceases    int64 // StepAddRecord: the live record it replaces, 0 for none
	Before    any
}

// After is the step's audit value after the change; id is the ID of what
// it adds (StepAddPhone, StepCreateContact, StepAddRecord) as issued.
func (st ReplaceStep) After(id int64) any {
	switch st.Kind {
	case StepCustomerProfile, StepAccountProfile:
		return ProfileValues{AccountID: st.AccountID, Profile: st.Profile}
	case StepAddAccount:
		return ProfileValues{AccountID: st.Account.ID, AccountType: st.Account.Type, IDType: st.Account.IDType, Profile: st.Account.Profile}
	case StepRenameContact:
		v := st.Before.(ContactValues)
		v.Name = st.Contact.Name
		return v
	case StepUpdatePhone:
		return phoneValues(st.Phone.ID, st.Phone)
	case StepAddPhone:
		return phoneValues(id, st.Phone)
	case StepCreateContact:
		v := ContactValues{ContactID: st.Contact.ID, ContactType: st.Contact.Type, Name: st.Contact.Name}
		for _, p := range st.Contact.Phones {
			v.Phone = append(v.Phone, phoneValues(p.ID, p))
		}
		return v
	case StepChangeRecord:
		return RecordValues{ID: st.Record.ID, Kind: st.Record.Kind, Key: st.Record.Key, Fields: st.Record.Fields}
	case StepAddRecord:
		return RecordValues{ID: id, Kind: st.Record.Kind, Key: st.Record.Key, Fields: st.Record.Fields}
	}
	return nil // ceases
}

// ProfileValues is a customer's or account's profile as the audit trail
// records a replace's change to it (operations OpReplaceProfile and
// OpAddAccount).
type ProfileValues struct {
	AccountID   string `json:",omitempty"`
	AccountType string `json:",omitempty"`
	IDType      string `json:",omitempty"`
	Profile     json.RawMessage
}

// The audited operations of a replace that no API makes.
const (
	OpReplaceProfile = "profile.replace" // a customer's or account's profile
	OpAddAccount     = "account.create"
)

func phoneValues(id int64, p Phone) PhoneValues {
	return PhoneValues{PhoneID: id, PhoneType: p.Type, Country: p.Country, AreaCode: p.AreaCode, PhoneNumber: p.Number, Extension: p.Extension}
}

// ReplaceRefusal is a line a replace refuses, with the place in the line
// of what is at fault. It unwraps to its *Error.
type ReplaceRefusal struct {
	Err     *Error
	Account string // the account of the item at fault, "" for the customer's
	// Item is "account", "contact", "phone" or "record".
	Item string
	// Index is the item's place among its owner's contacts, or its
	// records (the order of Customer.Records or Account.Records).
	Index int
	// Phone is the phone's place among its contact's phones.
	Phone int
	// Field is the field at fault: ContactID, ContactType, PhoneID, ID
	// (a record's ID, an account's), AccountType or IDType.
	Field  string
	Reason string
}

func (r *ReplaceRefusal) Error() string { return r.Err.Error() + " (" + r.Reason + ")" }

// Unwrap returns the Error.
func (r *ReplaceRefusal) Unwrap() error { return r.Err }

// recordOnLive is what a record without an ID that the line changes does
// to the held one, as the APIs put them: a bank account is replaced, a
// BIC code changed in place.
func recordOnLive(k Kind) OnLive {
	if k == KindBank {
		return Replace
	}
	return Merge
}

// ReplaceIDs lists the contact, phone and record IDs a line carries.
func ReplaceIDs(line CustomerRecord) []int64 {
	var ids []int64
	add := func(contacts []Contact, records []Record) {
		for _, c := range contacts {
			if c.ID != 0 {
				ids = append(ids, c.ID)
			}
			for _, p := range c.Phones {
				if p.ID != 0 {
					ids = append(ids, p.ID)
				}
			}
		}
		for _, r := range records {
			if r.ID != 0 {
				ids = append(ids, r.ID)
			}
		}
	}
	add(line.Contacts, line.Customer.Records)
	for _, a := range line.Accounts {
		add(a.Contacts, a.Account.Records)
	}
	return ids
}

// ReplaceMaxID is the highest ID the line carries, 0 for none: a store
// moves its ID sequence above it before a replace, as before a Load.
func ReplaceMaxID(line CustomerRecord) int64 {
	var m int64
	for _, id := range ReplaceIDs(line) {
		m = max(m, id)
	}
	return m
}

// PlanReplace decides what a replace of the customer by line changes,
// given what the store holds: the steps, or a *ReplaceRefusal.
func PlanReplace(line CustomerRecord, held ReplaceHeld) (ReplacePlan, error) {
	p := planner{held: held}
	if !sameJSON(line.Customer.Profile, held.Customer.Profile) {
		p.first = append(p.first, ReplaceStep{Kind: StepCustomerProfile, Op: OpReplaceProfile, Profile: line.Customer.Profile,
			Before: ProfileValues{Profile: held.Customer.Profile}})
	}
	if err := p.owner("", line.Contacts, line.Customer.Records); err != nil {
		return ReplacePlan{}, err
	}
	for _, a := range line.Accounts {
		acc := a.Account
		refuse := func(field, reason string) error {
			return &ReplaceRefusal{Err: Errorf(EV1100, ""), Account: acc.ID, Item: "account", Field: field, Reason: reason}
		}
		if other, ok := held.Others[acc.ID]; ok {
			return ReplacePlan{}, refuse("ID", "account "+acc.ID+" is held by customer "+CustomerRef(other))
		}
		h, ok := held.Accounts[acc.ID]
		switch {
		case !ok:
			p.first = append(p.first, ReplaceStep{Kind: StepAddAccount, Op: OpAddAccount, AccountID: acc.ID, Account: acc})
		case h.Type != acc.Type:
			return ReplacePlan{}, refuse("AccountType", "account "+acc.ID+" is held of type "+h.Type)
		case idType(h.IDType) != idType(acc.IDType):
			return ReplacePlan{}, refuse("IDType", "account "+acc.ID+" is held with ID type "+idType(h.IDType))
		case !sameJSON(acc.Profile, h.Profile):
			p.first = append(p.first, ReplaceStep{Kind: StepAccountProfile, Op: OpReplaceProfile, AccountID: acc.ID, Profile: acc.Profile,
				Before: ProfileValues{AccountID: acc.ID, Profile: h.Profile}})
		}
		if err := p.owner(acc.ID, a.Contacts, acc.Records); err != nil {
			return ReplacePlan{}, err
		}
	}
	steps := append(p.first, p.ceases...)
	steps = append(steps, p.changes...)
	steps = append(steps, p.adds...)
	return ReplacePlan{Steps: steps}, nil
}

func idType(t string) string {
	if t == "" {
		return "ACC"
	}
	return t
}

type planner struct {
	held                         ReplaceHeld
	first, ceases, changes, adds []ReplaceStep
}

// owner plans the contacts and records of one owner.
func (p *planner) owner(account string, contacts []Contact, records []Record) error {
	heldContacts := map[int64]Contact{}
	for _, c := range p.held.Contacts[account] {
		heldContacts[c.ID] = c
	}
	kept := map[int64]bool{}
	for i, c := range contacts {
		refuse := func(field, reason string) error {
			return &ReplaceRefusal{Err: Errorf(EV1100, ""), Account: account, Item: "contact", Index: i, Field: field, Reason: reason}
		}
		if h, ok := p.held.IDs[c.ID]; ok && c.ID != 0 {
			if reason := p.foreign(h, "contact", account, 0); reason != "" {
				return refuse("ContactID", "ID "+strconv.FormatInt(c.ID, 10)+" "+reason)
			}
			hc := heldContacts[c.ID]
			if hc.Type != c.Type {
				return refuse("ContactType", "contact "+strconv.FormatInt(c.ID, 10)+" is held of type "+string(hc.Type)+"; a contact's type never changes")
			}
			kept[c.ID] = true
			if err := p.contact(account, i, hc, c); err != nil {
				return err
			}
			continue
		}
		for j, ph := range c.Phones {
			if h, ok := p.held.IDs[ph.ID]; ok && ph.ID != 0 {
				return &ReplaceRefusal{Err: Errorf(EV1100, ""), Account: account, Item: "phone", Index: i, Phone: j, Field: "PhoneID",
					Reason: "ID " + strconv.FormatInt(ph.ID, 10) + " " + p.foreign(h, "", account, 0)}
			}
		}
		p.adds = append(p.adds, ReplaceStep{Kind: StepCreateContact, Op: OpCreateContact, AccountID: account, Contact: c})
	}
	for _, hc := range p.held.Contacts[account] {
		if !kept[hc.ID] {
			p.ceases = append(p.ceases, ReplaceStep{Kind: StepCeaseContact, Op: OpCeaseContact, AccountID: account, ContactID: hc.ID,
				Before: contactValues(hc, true)})
		}
	}
	return p.records(account, records)
}

// foreign says why the holder h of an ID the line carries for a what of
// the owner account (and of the contact, for a phone) cannot be it, or ""
// when it is the owner's live one.
func (p *planner) foreign(h HeldID, what, account string, contact int64) string {
	switch {
	case what == "" || h.What != what:
		return "is held by a " + h.What
	case h.Customer != p.held.Customer.Key || h.AccountID != account:
		return "is held by another owner"
	case what == "phone" && h.Contact != contact:
		return "is held by another contact"
	case !h.Live:
		return "is held ceased (ceased " + what + "s never change)"
	}
	return ""
}

func contactValues(c Contact, phones bool) ContactValues {
	v := ContactValues{ContactID: c.ID, ContactType: c.Type, Name: c.Name}
	if phones {
		for _, ph := range c.Phones {
			v.Phone = append(v.Phone, phoneValues(ph.ID, ph))
		}
	}
	return v
}

// contact plans the changes to a held live contact hc that the line
// carries as c (its i-th of the owner).
func (p *planner) contact(account string, i int, hc, c Contact) error {
	if hc.Name != c.Name {
		p.changes = append(p.changes, ReplaceStep{Kind: StepRenameContact, Op: OpRenameContact, AccountID: account, ContactID: c.ID,
			Contact: Contact{ID: c.ID, Name: c.Name}, Before: contactValues(hc, false)})
	}
	heldPhones := map[int64]Phone{}
	for _, ph := range hc.Phones {
		heldPhones[ph.ID] = ph
	}
	kept := map[int64]bool{}
	var adds, ceases []ReplaceStep
	for j, ph := range c.Phones {
		if h, ok := p.held.IDs[ph.ID]; ok && ph.ID != 0 {
			if reason := p.foreign(h, "phone", account, c.ID); reason != "" {
				return &ReplaceRefusal{Err: Errorf(EV1100, ""), Account: account, Item: "phone", Index: i, Phone: j, Field: "PhoneID",
					Reason: "ID " + strconv.FormatInt(ph.ID, 10) + " " + reason}
			}
			kept[ph.ID] = true
			if hp := heldPhones[ph.ID]; hp != ph {
				p.changes = append(p.changes, ReplaceStep{Kind: StepUpdatePhone, Op: OpUpdatePhone, AccountID: account, ContactID: c.ID,
					Phone: ph, Before: phoneValues(hp.ID, hp)})
			}
			continue
		}
		adds = append(adds, ReplaceStep{Kind: StepAddPhone, Op: OpAddPhone, AccountID: account, ContactID: c.ID, Phone: ph})
	}
	for _, hp := range hc.Phones {
		if !kept[hp.ID] {
			ceases = append(ceases, ReplaceStep{Kind: StepCeasePhone, Op: OpCeasePhone, AccountID: account, ContactID: c.ID,
				Phone: Phone{ID: hp.ID}, Before: phoneValues(hp.ID, hp)})
		}
	}
	// 1 to 5 live phones after each step, as the database holds: cease
	// while more than one is live, add while fewer than five are.
	live := len(hc.Phones)
	for len(adds)+len(ceases) > 0 {
		moved := false
		for len(ceases) > 0 && live > MinPhones {
			p.changes, ceases, live, moved = append(p.changes, ceases[0]), ceases[1:], live-1, true
		}
		for len(adds) > 0 && live < MaxPhones {
			p.changes, adds, live, moved = append(p.changes, adds[0]), adds[1:], live+1, true
		}
		if !moved { // not from a line of 1 to 5 phones
			return &ReplaceRefusal{Err: Errorf(CNT103, ""), Account: account, Item: "contact", Index: i, Field: "Phone", Reason: "1 to 5 phones"}
		}
	}
	return nil
}

// records plans the records of one owner.
func (p *planner) records(account string, records []Record) error {
	heldByID := map[int64]Record{}
	type slot struct {
		kind Kind
		key  string
	}
	heldBySlot := map[slot]Record{}
	for _, r := range p.held.Records[account] {
		heldByID[r.ID] = r
		heldBySlot[slot{r.Kind, r.Key}] = r
	}
	kept := map[int64]bool{}
	for i, r := range records {
		if r.ID != 0 {
			h, ok := p.held.IDs[r.ID]
			if !ok {
				p.adds = append(p.adds, ReplaceStep{Kind: StepAddRecord, Op: RecordOp(r.Kind, VerbCreate), AccountID: account, Record: r})
				continue
			}
			reason := p.foreign(h, "record", account, 0)
			if reason == "" && h.Kind != r.Kind {
				reason = "is held by a record of another kind"
			}
			if reason != "" {
				return &ReplaceRefusal{Err: Errorf(EV1100, ""), Account: account, Item: "record", Index: i, Field: "ID",
					Reason: "ID " + strconv.FormatInt(r.ID, 10) + " " + reason}
			}
			kept[r.ID] = true
			if hr := heldByID[r.ID]; hr.Key != r.Key || !sameJSON(hr.Fields, r.Fields) {
				p.changes = append(p.changes, ReplaceStep{Kind: StepChangeRecord, Op: RecordOp(r.Kind, VerbUpdate), AccountID: account,
					Record: r, Before: RecordValues{ID: hr.ID, Kind: hr.Kind, Key: hr.Key, Fields: hr.Fields}})
			}
			continue
		}
		hr, ok := heldBySlot[slot{r.Kind, r.Key}]
		if !ok {
			p.adds = append(p.adds, ReplaceStep{Kind: StepAddRecord, Op: RecordOp(r.Kind, VerbCreate), AccountID: account, Record: r})
			continue
		}
		kept[hr.ID] = true
		if shownAsHeld(r.Fields, hr.Fields) {
			continue
		}
		before := RecordValues{ID: hr.ID, Kind: hr.Kind, Key: hr.Key, Fields: hr.Fields}
		if recordOnLive(r.Kind) == Replace {
			p.adds = append(p.adds, ReplaceStep{Kind: StepAddRecord, Op: RecordOp(r.Kind, VerbReplace), AccountID: account, Record: r,
				Ceases: hr.ID, Before: before})
			continue
		}
		r.ID = hr.ID
		p.changes = append(p.changes, ReplaceStep{Kind: StepChangeRecord, Op: RecordOp(r.Kind, VerbMerge), AccountID: account,
			Record: r, Before: before})
	}
	for _, hr := range p.held.Records[account] {
		if !kept[hr.ID] && hr.Kind != KindPeriod {
			p.ceases = append(p.ceases, ReplaceStep{Kind: StepCeaseRecord, Op: RecordOp(hr.Kind, VerbCease), AccountID: account,
				Record: hr, Before: RecordValues{ID: hr.ID, Kind: hr.Kind, Key: hr.Key, Fields: hr.Fields}})
		}
	}
	return nil
}

// sameJSON reports whether a and b are the same JSON value (member order
// aside); an empty one is {}.
func sameJSON(a, b []byte) bool {
	var x, y any
	if len(a) == 0 {
		a = []byte("{}")
	}
	if len(b) == 0 {
		b = []byte("{}")
	}
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return reflect.DeepEqual(x, y)
}

// shownAsHeld reports whether every field of line, a record without an ID
// as a line gives it (the fields a read shows), is as held: the held
// record may keep more (a BIC code's commence date), which no read shows.
func shownAsHeld(line, held []byte) bool {
	var l, h map[string]json.RawMessage
	if json.Unmarshal(line, &l) != nil || json.Unmarshal(held, &h) != nil {
		return false
	}
	for k, v := range l {
		hv, ok := h[k]
		if !ok || !sameJSON(v, hv) {
			return false
		}
	}
	return true
}

// ReplaceReader reads, inside a replace's transaction, what ReadReplaceHeld
// needs: one method per query, each store with its own SQL.
type ReplaceReader interface {
	// HeldCustomer is the customer's key and profile: CST404 when it is
	// not held.
	HeldCustomer(ctx context.Context, id CustomerID) (Customer, error)
	// HeldAccounts are the customer's accounts (Key, ID, IDType, Type,
	// Profile).
	HeldAccounts(ctx context.Context, c Customer) ([]Account, error)
	// AccountHolder is the customer holding the account, if any does.
	AccountHolder(ctx context.Context, accountID string) (CustomerID, bool, error)
	// LiveContacts and LiveRecords are an owner's (account key 0 for
	// the customer's own).
	LiveContacts(ctx context.Context, customerKey, accountKey int64) ([]Contact, error)
	LiveRecords(ctx context.Context, customerKey, accountKey int64) ([]Record, error)
	// IDHolder says what holds a contact, phone or record ID, if anything
	// does.
	IDHolder(ctx context.Context, id int64) (HeldID, bool, error)
}

// ReadReplaceHeld reads what a store holds that a replace by line depends
// on, and the keys of the customer's accounts by ID.
func ReadReplaceHeld(ctx context.Context, r ReplaceReader, line CustomerRecord) (ReplaceHeld, map[string]int64, error) {
	held := ReplaceHeld{Accounts: map[string]Account{}, Others: map[string]CustomerID{}, Contacts: map[string][]Contact{},
		Records: map[string][]Record{}, IDs: map[int64]HeldID{}}
	var err error
	if held.Customer, err = r.HeldCustomer(ctx, line.Customer.ID); err != nil {
		return held, nil, err
	}
	accounts, err := r.HeldAccounts(ctx, held.Customer)
	if err != nil {
		return held, nil, err
	}
	keys := map[string]int64{}
	for _, a := range accounts {
		held.Accounts[a.ID] = a
		keys[a.ID] = a.Key
	}
	owners := map[string]int64{"": 0}
	for _, a := range line.Accounts {
		if h, ok := held.Accounts[a.Account.ID]; ok {
			owners[a.Account.ID] = h.Key
			continue
		}
		other, ok, err := r.AccountHolder(ctx, a.Account.ID)
		if err != nil {
			return held, nil, err
		}
		if ok {
			held.Others[a.Account.ID] = other
		}
	}
	for account, key := range owners {
		if held.Contacts[account], err = r.LiveContacts(ctx, held.Customer.Key, key); err != nil {
			return held, nil, err
		}
		if held.Records[account], err = r.LiveRecords(ctx, held.Customer.Key, key); err != nil {
			return held, nil, err
		}
	}
	for _, n := range ReplaceIDs(line) {
		h, ok, err := r.IDHolder(ctx, n)
		if err != nil {
			return held, nil, err
		}
		if ok {
			held.IDs[n] = h
		}
	}
	return held, keys, nil
}

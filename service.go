package contactd

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Caller is an authenticated party making a request. Sandbox callers come
// from the relaxed tokens of sandbox mode and never exist in production.
type Caller struct {
	Sandbox    bool
	Subject    string // the token's subject
	Logon      string // the online-services logon whose rights decide, if any
	Thumbprint string // the signing certificate of a machine JWT, if any
	Party      string // the party a certificate acts for, if any
}

// ID names the caller for idempotency keys and rate limits: the same
// person or machine always has the same ID.
func (c Caller) ID() string {
	switch {
	case c.Thumbprint != "":
		return "cert:" + c.Thumbprint + "/" + c.Logon
	case c.Logon != "":
		return "logon:" + c.Logon
	case c.Sandbox:
		return "sandbox:" + c.Subject
	}
	return "subject:" + c.Subject
}

// RateKey names the caller for rate limits: a machine is limited by its
// certificate whatever logon it acts for (startLogon is the caller's to
// choose, so a limit by logon could be dodged by naming another).
func (c Caller) RateKey() string {
	if c.Thumbprint != "" {
		return "cert:" + c.Thumbprint
	}
	return c.ID()
}

// Authorizer decides whether a caller may act on an owner's data.
type Authorizer interface {
	// Authorize returns nil when the caller may act on the owner's data,
	// *Error EV1022 when it may not.
	Authorize(ctx context.Context, caller Caller, owner Owner) error
}

// Service applies the Contact API's rules, in the published order, to
// requests whose JSON, schema and identifier formats are already checked:
// existence (CST404), access (EV1022), account eligibility (ACT100), the
// request's phones (CNT103, CNT102), then the state rules the store holds
// (CNT101, CNT103).
//
// Every write runs under a deadline, WriteTimeout: when it passes, the
// write (and the checks before it) answers ErrUnavailable. Each write
// method begins with
//
//	ctx, end := s.beginWrite(ctx)
//	defer end(&err)
type Service struct {
	Store  Store
	Access Authorizer
	Now    func() time.Time
	// WriteTimeout bounds each write; zero is DefaultWriteTimeout.
	WriteTimeout time.Duration
}

// DefaultWriteTimeout is how long a write may take before it answers
// ErrUnavailable: a healthy write takes milliseconds, and a client is
// better told to come back than kept waiting behind a stalled disk or a
// lock.
const DefaultWriteTimeout = 5 * time.Second

// beginWrite gives a write its deadline. end, deferred with the write's
// error, releases it and marks the error ErrUnavailable when the deadline
// passed before the write ended: whatever failed then failed for want of
// time.
func (s *Service) beginWrite(ctx context.Context) (context.Context, func(*error)) {
	d := s.WriteTimeout
	if d <= 0 {
		d = DefaultWriteTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	return ctx, func(errp *error) {
		defer cancel()
		err := *errp
		var e *Error
		if err == nil || errors.Is(err, ErrUnavailable) || errors.As(err, &e) {
			return
		}
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			*errp = fmt.Errorf("%w: the write's deadline passed: %w", ErrUnavailable, err)
		}
	}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// stamp dates a change now, unless it already has a time.
func (s *Service) stamp(ch Change) Change {
	if ch.Time.IsZero() {
		ch.Time = s.now()
	}
	return ch
}

// permit runs the checks every operation shares once its owner is known.
func (s *Service) permit(ctx context.Context, caller Caller, o Owner) error {
	if err := s.Access.Authorize(ctx, caller, o); err != nil {
		return err
	}
	if !o.Eligible() {
		return Errorf(ACT100, "")
	}
	return nil
}

// replay answers a retried POST the first answer: the ID its
// Idempotency-Key stored, looked up before any other check, so that a
// retry whose contact has since been deleted still gets its first answer.
func (s *Service) replay(ctx context.Context, ch Change, op string) (int64, bool, error) {
	if ch.Idempotency == nil {
		return 0, false, nil
	}
	return s.Store.Replay(ctx, s.stamp(ch), op)
}

// CreateContact adds a contact with its phones to the owner.
func (s *Service) CreateContact(ctx context.Context, ch Change, ref OwnerRef, c Contact) (_ int64, err error) {
	ctx, end := s.beginWrite(ctx)
	defer end(&err)
	if id, found, err := s.replay(ctx, ch, OpCreateContact); err != nil || found {
		return id, err
	}
	o, err := s.owner(ctx, ref)
	if err != nil {
		return 0, err
	}
	if err := s.permit(ctx, ch.Caller, o); err != nil {
		return 0, err
	}
	if len(c.Phones) < MinPhones || len(c.Phones) > MaxPhones {
		return 0, Errorf(CNT103, "")
	}
	for _, p := range c.Phones {
		if err := ValidatePhone(p); err != nil {
			return 0, err
		}
	}
	return s.Store.CreateContact(ctx, o, c, s.stamp(ch))
}

// contactOwner resolves a live contact and checks the caller's right to it.
func (s *Service) contactOwner(ctx context.Context, caller Caller, contactID int64) error {
	o, err := s.Store.ContactOwner(ctx, contactID)
	if err != nil {
		return err
	}
	return s.permit(ctx, caller, o)
}

// phoneOwner resolves a live phone and checks the caller's right to it.
func (s *Service) phoneOwner(ctx context.Context, caller Caller, phoneID int64) error {
	o, err := s.Store.PhoneOwner(ctx, phoneID)
	if err != nil {
		return err
	}
	return s.permit(ctx, caller, o)
}

// RenameContact changes a contact's name.
func (s *Service) RenameContact(ctx context.Context, ch Change, contactID int64, name string) (err error) {
	ctx, end := s.beginWrite(ctx)
	defer end(&err)
	if err := s.contactOwner(ctx, ch.Caller, contactID); err != nil {
		return err
	}
	return s.Store.RenameContact(ctx, contactID, name, s.stamp(ch))
}

// DeleteContact ceases a contact and all its phones for good.
func (s *Service) DeleteContact(ctx context.Context, ch Change, contactID int64) (err error) {
	ctx, end := s.beginWrite(ctx)
	defer end(&err)
	if err := s.contactOwner(ctx, ch.Caller, contactID); err != nil {
		return err
	}
	return s.Store.CeaseContact(ctx, contactID, s.stamp(ch))
}

// AddPhone adds a phone to a contact.
func (s *Service) AddPhone(ctx context.Context, ch Change, contactID int64, p Phone) (_ int64, err error) {
	ctx, end := s.beginWrite(ctx)
	defer end(&err)
	if id, found, err := s.replay(ctx, ch, OpAddPhone); err != nil || found {
		return id, err
	}
	if err := s.contactOwner(ctx, ch.Caller, contactID); err != nil {
		return 0, err
	}
	if err := ValidatePhone(p); err != nil {
		return 0, err
	}
	return s.Store.AddPhone(ctx, contactID, p, s.stamp(ch))
}

// UpdatePhone replaces every field of the phone p.ID.
func (s *Service) UpdatePhone(ctx context.Context, ch Change, p Phone) (err error) {
	ctx, end := s.beginWrite(ctx)
	defer end(&err)
	if err := s.phoneOwner(ctx, ch.Caller, p.ID); err != nil {
		return err
	}
	if err := ValidatePhone(p); err != nil {
		return err
	}
	return s.Store.UpdatePhone(ctx, p, s.stamp(ch))
}

// DeletePhone ceases a phone; a contact's last phone stays (CNT103).
func (s *Service) DeletePhone(ctx context.Context, ch Change, phoneID int64) (err error) {
	ctx, end := s.beginWrite(ctx)
	defer end(&err)
	if err := s.phoneOwner(ctx, ch.Caller, phoneID); err != nil {
		return err
	}
	return s.Store.CeasePhone(ctx, phoneID, s.stamp(ch))
}

// Customer returns a customer with its customer-level contacts.
func (s *Service) Customer(ctx context.Context, caller Caller, id CustomerID) (Customer, []Contact, error) {
	// The contacts are read with the customer, before access is decided,
	// and only returned once it is: one query instead of two.
	c, contacts, err := s.Store.CustomerContacts(ctx, id)
	if err != nil {
		return Customer{}, nil, err
	}
	o := Owner{CustomerKey: c.Key, Customer: c.ID}
	if err := s.Access.Authorize(ctx, caller, o); err != nil {
		return Customer{}, nil, err
	}
	return c, contacts, nil
}

// The types of account ID (AccountIDType): an account ID (ACC), a
// complying fund ID (CMPF, e.g. AS/1234) or a KiwiSaver scheme ID (KSF,
// e.g. KSS/12345). Every account has one ID of one type.
const (
	AccountIDTypeACC  = "ACC"
	AccountIDTypeCMPF = "CMPF"
	AccountIDTypeKSF  = "KSF"
)

// AccountIDTypes lists the account ID types.
func AccountIDTypes() []string {
	return []string{AccountIDTypeACC, AccountIDTypeCMPF, AccountIDTypeKSF}
}

// accountNamedBy reports whether an account whose ID is of type held is
// named by a reference of type given ("" is ACC): an account named with
// the wrong type of ID does not exist for that request (CST404).
func accountNamedBy(held, given string) bool {
	if given == "" {
		given = AccountIDTypeACC
	}
	if held == "" {
		held = AccountIDTypeACC
	}
	return held == given
}

// owner resolves the owner ref names: CST404 when it names none, or names
// an account by the wrong type of ID.
func (s *Service) owner(ctx context.Context, ref OwnerRef) (Owner, error) {
	o, err := s.Store.Owner(ctx, ref)
	if err != nil {
		return Owner{}, err
	}
	if ref.AccountID != "" && !accountNamedBy(o.AccountIDType, ref.AccountIDType) {
		return Owner{}, Errorf(CST404, "")
	}
	return o, nil
}

// Account returns an account with its account-level contacts. Accounts of
// an ineligible type answer ACT100 here too; an account named by the wrong
// type of ID is CST404.
func (s *Service) Account(ctx context.Context, caller Caller, accountID, idType string) (Account, []Contact, error) {
	// One lookup gives the account, its owner and its contacts; the
	// contacts are only returned once access is decided.
	a, contacts, err := s.Store.AccountContacts(ctx, accountID)
	if err != nil {
		return Account{}, nil, err
	}
	if !accountNamedBy(a.IDType, idType) {
		return Account{}, nil, Errorf(CST404, "")
	}
	if err := s.permit(ctx, caller, a.Owner()); err != nil {
		return Account{}, nil, err
	}
	return a, contacts, nil
}

// Accounts lists a customer's accounts.
func (s *Service) Accounts(ctx context.Context, caller Caller, id CustomerID) ([]Account, error) {
	c, err := s.Store.Customer(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.Access.Authorize(ctx, caller, Owner{CustomerKey: c.Key, Customer: c.ID}); err != nil {
		return nil, err
	}
	return s.Store.CustomerAccounts(ctx, c.Key)
}

package contactd

import (
	"context"
	"encoding/json"
)

// The record operations every update API of the suite but Contact is made
// of. Each applies the published order of checks: existence (CST404),
// access (EV1022), account eligibility (ACT100), then the API's own rules
// (rules, which may be nil), then the state rules the store holds.

// PutRecord adds rec to the owner ref names; on says what happens to a
// live record of the same kind and key.
func (s *Service) PutRecord(ctx context.Context, ch Change, ref OwnerRef, rec Record, on OnLive, rules func(Owner) error) (int64, error) {
	o, err := s.Store.Owner(ctx, ref)
	if err != nil {
		return 0, err
	}
	if err := s.permit(ctx, ch.Caller, o); err != nil {
		return 0, err
	}
	if rules != nil {
		if err := rules(o); err != nil {
			return 0, err
		}
	}
	return s.Store.PutRecord(ctx, o, rec, on, s.stamp(ch))
}

// liveRecord resolves a live record of the kind, checks the caller's right
// to it and applies rules to it.
func (s *Service) liveRecord(ctx context.Context, caller Caller, kind Kind, id int64, rules func(Owner, Record) error) error {
	o, r, err := s.Store.Record(ctx, kind, id)
	if err != nil {
		return err
	}
	if err := s.permit(ctx, caller, o); err != nil {
		return err
	}
	if rules != nil {
		return rules(o, r)
	}
	return nil
}

// UpdateRecord replaces the key and fields of the live record id.
func (s *Service) UpdateRecord(ctx context.Context, ch Change, kind Kind, id int64, key string, fields json.RawMessage, rules func(Owner, Record) error) error {
	if err := s.liveRecord(ctx, ch.Caller, kind, id, rules); err != nil {
		return err
	}
	return s.Store.UpdateRecord(ctx, kind, id, key, fields, s.stamp(ch))
}

// CeaseRecord ceases the live record id.
func (s *Service) CeaseRecord(ctx context.Context, ch Change, kind Kind, id int64, rules func(Owner, Record) error) error {
	if err := s.liveRecord(ctx, ch.Caller, kind, id, rules); err != nil {
		return err
	}
	return s.Store.CeaseRecord(ctx, kind, id, s.stamp(ch))
}

// CeaseRecordByKey ceases the owner's live record of the kind and key (a
// BIC code, a bank account): rules, the request's own, run first; missing
// answers when there is no such record.
func (s *Service) CeaseRecordByKey(ctx context.Context, ch Change, ref OwnerRef, kind Kind, key string, missing Code, rules func(Owner) error) error {
	o, err := s.Store.Owner(ctx, ref)
	if err != nil {
		return err
	}
	if err := s.permit(ctx, ch.Caller, o); err != nil {
		return err
	}
	if rules != nil {
		if err := rules(o); err != nil {
			return err
		}
	}
	r, err := s.Store.LiveRecord(ctx, o, kind, key)
	if ErrorCode(err) == CST404 {
		return Errorf(missing, "")
	}
	if err != nil {
		return err
	}
	err = s.Store.CeaseRecord(ctx, kind, r.ID, s.stamp(ch))
	if ErrorCode(err) == CST404 { // ceased by another request since
		return Errorf(missing, "")
	}
	return err
}

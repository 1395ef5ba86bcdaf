package contactd

import (
	"context"
	"encoding/json"
	"fmt"
)

// recordFields is v, a record's fields in their published order, as JSON.
func recordFields(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("record fields: %w", err)
	}
	return b, nil
}

// The record operations every update API of the suite but Contact is made
// of. Each applies the published order of checks: existence (CST404),
// access (EV1022), account eligibility (ACT100), then the API's own rules
// (the function each takes), then the state rules the store holds.

// PutRecord adds the record of the kind that build makes for the owner ref
// names; on says what happens to a live record of the same kind and key. A
// replayed Idempotency-Key answers the first answer before any check.
func (s *Service) PutRecord(ctx context.Context, ch Change, ref OwnerRef, kind Kind, on OnLive, build func(Owner) (Record, error)) (_ int64, err error) {
	ctx, end := s.beginWrite(ctx)
	defer end(&err)
	if id, found, err := s.replay(ctx, ch, RecordOp(kind, VerbCreate)); err != nil || found {
		return id, err
	}
	o, err := s.owner(ctx, ref)
	if err != nil {
		return 0, err
	}
	if err := s.permit(ctx, ch.Caller, o); err != nil {
		return 0, err
	}
	rec, err := build(o)
	if err != nil {
		return 0, err
	}
	if rec.Kind != kind {
		return 0, fmt.Errorf("put record: built a %s record, want %s", rec.Kind, kind)
	}
	return s.Store.PutRecord(ctx, o, rec, on, s.stamp(ch))
}

// liveRecord resolves a live record of the kind and checks the caller's
// right to it.
func (s *Service) liveRecord(ctx context.Context, caller Caller, kind Kind, id int64) (Owner, Record, error) {
	o, r, err := s.Store.Record(ctx, kind, id)
	if err != nil {
		return Owner{}, Record{}, err
	}
	if err := s.permit(ctx, caller, o); err != nil {
		return Owner{}, Record{}, err
	}
	return o, r, nil
}

// UpdateRecord replaces the live record id with the key and fields change
// makes of it.
func (s *Service) UpdateRecord(ctx context.Context, ch Change, kind Kind, id int64, change func(Owner, Record) (Record, error)) (err error) {
	ctx, end := s.beginWrite(ctx)
	defer end(&err)
	o, old, err := s.liveRecord(ctx, ch.Caller, kind, id)
	if err != nil {
		return err
	}
	rec, err := change(o, old)
	if err != nil {
		return err
	}
	return s.Store.UpdateRecord(ctx, kind, id, rec.Key, rec.Fields, s.stamp(ch))
}

// CeaseRecord ceases the live record id once check (which may be nil)
// allows it.
func (s *Service) CeaseRecord(ctx context.Context, ch Change, kind Kind, id int64, check func(Owner, Record) error) (err error) {
	ctx, end := s.beginWrite(ctx)
	defer end(&err)
	o, r, err := s.liveRecord(ctx, ch.Caller, kind, id)
	if err != nil {
		return err
	}
	if check != nil {
		if err := check(o, r); err != nil {
			return err
		}
	}
	return s.Store.CeaseRecord(ctx, kind, id, s.stamp(ch))
}

// CeaseRecordByKey ceases the owner's live record of the kind and key (a
// BIC code, a bank account): rules, the request's own, run first; missing
// answers when there is no such record.
func (s *Service) CeaseRecordByKey(ctx context.Context, ch Change, ref OwnerRef, kind Kind, key string, missing Code, rules func(Owner) error) (err error) {
	ctx, end := s.beginWrite(ctx)
	defer end(&err)
	o, err := s.owner(ctx, ref)
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

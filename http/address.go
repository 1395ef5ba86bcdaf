package http

import (
	"net/http"

	"github.com/contactd/contactd"
)

// The Address API: customers' and accounts' addresses.

// newZealandJSON is a New Zealand delivery point.
type newZealandJSON struct {
	DPID      int64
	Attention string
}

// addressBody is what a POST and a PUT carry: exactly one of Address (an
// unverified or international address, decoded straight into the domain's
// type: the schema has refused any field it does not define) and
// NewZealand (a DPID).
type addressBody struct {
	Address    *contactd.Address
	NewZealand *newZealandJSON
}

// address is the body's address: EV1100 naming Address unless exactly one
// of the two is given (SUITE.md ruling 2).
func (b addressBody) address(id int64, t contactd.AddressType) (contactd.Address, error) {
	if (b.Address == nil) == (b.NewZealand == nil) {
		return contactd.Address{}, contactd.Errorf(contactd.EV1100, "Address")
	}
	if nz := b.NewZealand; nz != nil {
		return contactd.Address{ID: id, Type: t, DPID: nz.DPID, Attention: nz.Attention}, nil
	}
	a := *b.Address
	a.ID, a.Type, a.DPID = id, t, 0
	return a, nil
}

type addressPOSTRequest struct {
	ownerRequest
	Type string
	addressBody
}

type addressPUTRequest struct {
	AddressID int64
	addressBody
}

type addressDELETERequest struct{ AddressID int64 }

func handleCreateAddress(cfg Config) http.Handler {
	return operation(cfg, "address/address_POST_Request", func(r *http.Request, ch contactd.Change, req *addressPOSTRequest, body []byte) (any, error) {
		ref, err := req.ref(cfg.IRD)
		if err != nil {
			return nil, err
		}
		t := contactd.AddressType(req.Type)
		if t.AccountLevel() != (ref.AccountID != "") {
			return nil, contactd.Errorf(contactd.EV1100, "Type") // an account's type on a customer, or the reverse
		}
		a, err := req.address(0, t)
		if err != nil {
			return nil, err
		}
		if ch, err = withIdempotency(cfg, r, contactd.RecordOp(contactd.KindAddress, contactd.VerbCreate), body, ch); err != nil {
			return nil, err
		}
		id, err := cfg.Service.CreateAddress(r.Context(), ch, ref, a)
		if err != nil {
			return nil, err
		}
		return struct{ AddressID int64 }{id}, nil
	})
}

func handleUpdateAddress(cfg Config) http.Handler {
	return operation(cfg, "address/address_PUT_Request", func(r *http.Request, ch contactd.Change, req *addressPUTRequest, _ []byte) (any, error) {
		a, err := req.address(req.AddressID, "")
		if err != nil {
			return nil, err
		}
		return nil, cfg.Service.UpdateAddress(r.Context(), ch, a)
	})
}

func handleDeleteAddress(cfg Config) http.Handler {
	return operation(cfg, "address/address_DELETE_Request", func(r *http.Request, ch contactd.Change, req *addressDELETERequest, _ []byte) (any, error) {
		return nil, cfg.Service.DeleteAddress(r.Context(), ch, req.AddressID)
	})
}

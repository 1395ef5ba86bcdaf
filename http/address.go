package http

import (
	"net/http"

	"github.com/contactd/contactd"
)

// The Address API: customers' and accounts' addresses.

// addressJSON is an address as the Address API's requests carry it.
type addressJSON struct {
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

// newZealandJSON is a New Zealand delivery point.
type newZealandJSON struct {
	DPID      int64
	Attention string
}

// addressBody is what a POST and a PUT carry: exactly one of Address (an
// unverified or international address) and NewZealand (a DPID).
type addressBody struct {
	Address    *addressJSON
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
	a := b.Address
	return contactd.Address{ID: id, Type: t, Street: a.Street, Street2: a.Street2, Unit: a.Unit, UnitType: a.UnitType,
		City: a.City, State: a.State, PostCode: a.PostCode, Country: a.Country, Attention: a.Attention,
		Urbanisation: a.Urbanisation, District: a.District, SubDistrict: a.SubDistrict, SubProvince: a.SubProvince}, nil
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

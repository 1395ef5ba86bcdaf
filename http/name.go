package http

import (
	"net/http"

	"github.com/contactd/contactd"
)

// The Name API: a customer's preferred and trade names.

// The name requests are decoded straight into the domain's Name: the
// schema has refused any field it does not define, so its ID is never set
// from a body, and its Type only by a POST.

type namePOSTRequest struct {
	CustomerID     string
	CustomerIDType string
	contactd.Name
}

type namePUTRequest struct {
	NameID int64
	contactd.Name
}

type nameDELETERequest struct{ NameID int64 }

func handleCreateName(cfg Config) http.Handler {
	return operation(cfg, "name/name_POST_Request", func(r *http.Request, ch contactd.Change, req *namePOSTRequest, body []byte) (any, error) {
		id, err := cfg.IRD.ParseCustomerID(contactd.CustomerIDType(req.CustomerIDType), req.CustomerID)
		if err != nil {
			return nil, err
		}
		if ch, err = withIdempotency(cfg, r, contactd.RecordOp(contactd.KindName, contactd.VerbCreate), body, ch); err != nil {
			return nil, err
		}
		nameID, err := cfg.Service.CreateName(r.Context(), ch, id, req.Name)
		if err != nil {
			return nil, err
		}
		return struct{ NameID int64 }{nameID}, nil
	})
}

func handleUpdateName(cfg Config) http.Handler {
	return operation(cfg, "name/name_PUT_Request", func(r *http.Request, ch contactd.Change, req *namePUTRequest, _ []byte) (any, error) {
		n := req.Name
		n.ID = req.NameID
		return nil, cfg.Service.UpdateName(r.Context(), ch, n)
	})
}

func handleDeleteName(cfg Config) http.Handler {
	return operation(cfg, "name/name_DELETE_Request", func(r *http.Request, ch contactd.Change, req *nameDELETERequest, _ []byte) (any, error) {
		return nil, cfg.Service.DeleteName(r.Context(), ch, req.NameID)
	})
}

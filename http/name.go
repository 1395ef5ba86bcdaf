package http

import (
	"net/http"

	"github.com/contactd/contactd"
)

// The Name API: a customer's preferred and trade names.

// nameParts are the fields of a name as the Name API's requests carry them.
type nameParts struct {
	Unformatted string
	LastName    string
	MiddleName  string
	FirstName   string
	Title       string
	Suffix      string
}

func (p nameParts) name(id int64, t contactd.NameType) contactd.Name {
	return contactd.Name{ID: id, Type: t, Unformatted: p.Unformatted, LastName: p.LastName, MiddleName: p.MiddleName,
		FirstName: p.FirstName, Title: p.Title, Suffix: p.Suffix}
}

type namePOSTRequest struct {
	CustomerID     string
	CustomerIDType string
	Type           string
	nameParts
}

type namePUTRequest struct {
	NameID int64
	nameParts
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
		nameID, err := cfg.Service.CreateName(r.Context(), ch, id, req.name(0, contactd.NameType(req.Type)))
		if err != nil {
			return nil, err
		}
		return struct{ NameID int64 }{nameID}, nil
	})
}

func handleUpdateName(cfg Config) http.Handler {
	return operation(cfg, "name/name_PUT_Request", func(r *http.Request, ch contactd.Change, req *namePUTRequest, _ []byte) (any, error) {
		return nil, cfg.Service.UpdateName(r.Context(), ch, req.name(req.NameID, ""))
	})
}

func handleDeleteName(cfg Config) http.Handler {
	return operation(cfg, "name/name_DELETE_Request", func(r *http.Request, ch contactd.Change, req *nameDELETERequest, _ []byte) (any, error) {
		return nil, cfg.Service.DeleteName(r.Context(), ch, req.NameID)
	})
}

package http

import (
	"net/http"

	"github.com/contactd/contactd"
)

// The BIC API: a customer's Business Industry Classification codes.

type bicPOSTRequest struct {
	CustomerID     string
	CustomerIDType string
	BICCode        string
	Commence       string
}

type bicDELETERequest struct {
	CustomerID     string
	CustomerIDType string
	BICCode        string
	Cease          string
}

func handleAddBIC(cfg Config) http.Handler {
	return operation(cfg, "bic/bic_POST_Request", func(r *http.Request, ch contactd.Change, req *bicPOSTRequest, body []byte) (any, error) {
		id, err := cfg.IRD.ParseCustomerID(contactd.CustomerIDType(req.CustomerIDType), req.CustomerID)
		if err != nil {
			return nil, err
		}
		if ch, err = withIdempotency(cfg, r, contactd.RecordOp(contactd.KindBIC, contactd.VerbCreate), body, ch); err != nil {
			return nil, err
		}
		_, err = cfg.Service.AddBIC(r.Context(), ch, id, req.BICCode, req.Commence)
		return nil, err
	})
}

func handleDeleteBIC(cfg Config) http.Handler {
	return operation(cfg, "bic/bic_DELETE_Request", func(r *http.Request, ch contactd.Change, req *bicDELETERequest, _ []byte) (any, error) {
		id, err := cfg.IRD.ParseCustomerID(contactd.CustomerIDType(req.CustomerIDType), req.CustomerID)
		if err != nil {
			return nil, err
		}
		return nil, cfg.Service.DeleteBIC(r.Context(), ch, id, req.BICCode, req.Cease)
	})
}

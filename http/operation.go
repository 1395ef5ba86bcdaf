package http

import (
	"net/http"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/api"
)

// operation builds the handler of one API operation: after apiHandler's
// checks, the body is validated against the named published request
// schema and decoded into a Req, and run answers it. run returns the
// answer's body, or nil for a 200 without one.
func operation[Req any](cfg Config, schema string, run func(r *http.Request, ch contactd.Change, req *Req, body []byte) (any, error)) http.Handler {
	s := api.RequestSchema(schema)
	return apiHandler(cfg, func(w http.ResponseWriter, r *http.Request, ch contactd.Change, body []byte) error {
		var req Req
		if err := decode(s, body, &req); err != nil {
			return err
		}
		answer, err := run(r, ch, &req, body)
		if err != nil {
			return err
		}
		if answer == nil {
			w.WriteHeader(http.StatusOK)
			return nil
		}
		writeJSON(w, http.StatusOK, answer)
		return nil
	})
}

// ownerRequest names a customer or an account, as the update APIs' POSTs
// and DELETEs do.
type ownerRequest struct {
	CustomerID     string
	CustomerIDType string
	AccountID      string
	AccountIDType  string
}

// ref parses the owner the request names: EV2234 for a bad IRD number.
func (o ownerRequest) ref(rule contactd.IRDRule) (contactd.OwnerRef, error) {
	return rule.ParseOwnerRef(o.CustomerID, o.CustomerIDType, o.AccountID, o.AccountIDType)
}

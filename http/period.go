package http

import (
	"net/http"

	"github.com/contactd/contactd"
)

// The Period API: an account's filing periods.

type periodListRequest struct {
	ownerRequest
	FromDate string
	ToDate   string
}

func handleListPeriods(cfg Config) http.Handler {
	return operation(cfg, "period/list_POST_Request", func(r *http.Request, ch contactd.Change, req *periodListRequest, _ []byte) (any, error) {
		ref, err := req.ref(cfg.IRD)
		if err != nil {
			return nil, err
		}
		within, err := contactd.ParsePeriodRange(req.FromDate, req.ToDate)
		if err != nil {
			return nil, err
		}
		periods, err := cfg.Service.ListPeriods(r.Context(), ch.Caller, ref, within)
		if err != nil {
			return nil, err
		}
		if periods == nil {
			periods = []contactd.Period{} // "Periods":[], never null
		}
		return struct{ Periods []contactd.Period }{periods}, nil
	})
}

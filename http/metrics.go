package http

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/metrics"
)

// withMetrics counts and times every request by operation and result code.
// It runs inside withRequestID and reads that middleware's statusRecorder
// (the status, and the API error code writeError noted on it), so it adds
// no wrapper of its own. A nil m serves next as it is.
func withMetrics(m *metrics.Metrics, next http.Handler) http.Handler {
	if m == nil {
		return next
	}
	inFlight := m.InFlight()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec, ok := w.(*statusRecorder)
		if !ok {
			rec = &statusRecorder{ResponseWriter: w}
			w = rec
		}
		op := operationOf(r.Method, r.URL.Path)
		inFlight.Inc()
		defer inFlight.Dec()
		start := time.Now()
		next.ServeHTTP(w, r)
		status := rec.status
		if status == 0 {
			// nothing written: net/http answers 200 with no body
			status = http.StatusOK
		}
		m.ObserveRequest(op, status, rec.code, time.Since(start))
	})
}

// noteError records on the response the API error code its envelope
// carries, for the request metrics, and why, for the access log.
func noteError(w http.ResponseWriter, e *contactd.Error, err error) {
	if rec, ok := w.(*statusRecorder); ok {
		rec.code = e.Code
		rec.why = contactd.RefusalReason(err)
		if rec.why == "" {
			rec.why = e.Field
		}
	}
}

// operationOf names the operation of a request for the metrics, from the
// routes of addRoutes; anything else (health checks, documents, unknown
// paths or methods) is OpOther. It never allocates.
func operationOf(method, path string) metrics.Op {
	path = strings.TrimPrefix(path, "/secure")
	switch path {
	case "/gateway/contact/contact":
		return byMethod(method, metrics.OpContactCreate, metrics.OpContactRename, metrics.OpContactDelete)
	case "/gateway/contact/phone":
		return byMethod(method, metrics.OpPhoneAdd, metrics.OpPhoneUpdate, metrics.OpPhoneDelete)
	case "/gateway/customer/customer":
		if method == http.MethodPost {
			return metrics.OpCustomerRead
		}
	case "/gateway/account/account":
		if method == http.MethodPost {
			return metrics.OpAccountRead
		}
	case "/gateway/account/list":
		if method == http.MethodPost {
			return metrics.OpAccountList
		}
	case "/gateway/address/address":
		return byMethod(method, metrics.OpAddressCreate, metrics.OpAddressUpdate, metrics.OpAddressDelete)
	case "/gateway/name/name":
		return byMethod(method, metrics.OpNameCreate, metrics.OpNameUpdate, metrics.OpNameDelete)
	case "/gateway/bic/bic":
		return byMethod(method, metrics.OpBICAdd, metrics.OpOther, metrics.OpBICDelete)
	case "/gateway/bank/bank":
		return byMethod(method, metrics.OpBankAdd, metrics.OpOther, metrics.OpBankDelete)
	case "/gateway/period/list":
		if method == http.MethodPost {
			return metrics.OpPeriodList
		}
	}
	if api, ok := strings.CutPrefix(path, "/gateway/"); ok && method == http.MethodGet {
		if name, ok := strings.CutSuffix(api, "/status"); ok && slices.Contains(apis, name) {
			return metrics.OpStatus
		}
	}
	return metrics.OpOther
}

// byMethod is the operation of a POST, PUT or DELETE of one path.
func byMethod(method string, post, put, del metrics.Op) metrics.Op {
	switch method {
	case http.MethodPost:
		return post
	case http.MethodPut:
		return put
	case http.MethodDelete:
		return del
	}
	return metrics.OpOther
}

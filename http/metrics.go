package http

import (
	"net/http"
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

// noteCode records on the response the API error code its envelope carries,
// for the request metrics.
func noteCode(w http.ResponseWriter, code contactd.Code) {
	if rec, ok := w.(*statusRecorder); ok {
		rec.code = code
	}
}

// operationOf names the operation of a request for the metrics, from the
// routes of addRoutes; anything else (health checks, documents, unknown
// paths or methods) is OpOther. It never allocates.
func operationOf(method, path string) metrics.Op {
	path = strings.TrimPrefix(path, "/secure")
	switch path {
	case "/gateway/contact/contact":
		switch method {
		case http.MethodPost:
			return metrics.OpContactCreate
		case http.MethodPut:
			return metrics.OpContactRename
		case http.MethodDelete:
			return metrics.OpContactDelete
		}
	case "/gateway/contact/phone":
		switch method {
		case http.MethodPost:
			return metrics.OpPhoneAdd
		case http.MethodPut:
			return metrics.OpPhoneUpdate
		case http.MethodDelete:
			return metrics.OpPhoneDelete
		}
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
	case "/gateway/contact/status", "/gateway/customer/status", "/gateway/account/status":
		if method == http.MethodGet {
			return metrics.OpStatus
		}
	}
	return metrics.OpOther
}

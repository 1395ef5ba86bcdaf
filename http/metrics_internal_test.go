package http

import (
	"net/http"
	"testing"

	"github.com/contactd/contactd/metrics"
)

func TestOperationOf(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		want         metrics.Op
	}{
		{"POST", "/gateway/contact/contact", metrics.OpContactCreate},
		{"PUT", "/secure/gateway/contact/contact", metrics.OpContactRename},
		{"DELETE", "/gateway/contact/contact", metrics.OpContactDelete},
		{"PATCH", "/gateway/contact/contact", metrics.OpOther},
		{"POST", "/gateway/contact/phone", metrics.OpPhoneAdd},
		{"PUT", "/gateway/contact/phone", metrics.OpPhoneUpdate},
		{"DELETE", "/secure/gateway/contact/phone", metrics.OpPhoneDelete},
		{"POST", "/gateway/customer/customer", metrics.OpCustomerRead},
		{"GET", "/gateway/customer/customer", metrics.OpOther},
		{"POST", "/gateway/account/account", metrics.OpAccountRead},
		{"POST", "/secure/gateway/account/list", metrics.OpAccountList},
		{"GET", "/gateway/contact/status", metrics.OpStatus},
		{"GET", "/secure/gateway/account/status", metrics.OpStatus},
		{"POST", "/gateway/address/address", metrics.OpAddressCreate},
		{"PUT", "/secure/gateway/address/address", metrics.OpAddressUpdate},
		{"DELETE", "/gateway/address/address", metrics.OpAddressDelete},
		{"POST", "/gateway/name/name", metrics.OpNameCreate},
		{"PUT", "/gateway/name/name", metrics.OpNameUpdate},
		{"DELETE", "/secure/gateway/name/name", metrics.OpNameDelete},
		{"POST", "/gateway/bic/bic", metrics.OpBICAdd},
		{"DELETE", "/gateway/bic/bic", metrics.OpBICDelete},
		{"PUT", "/gateway/bic/bic", metrics.OpOther},
		{"POST", "/gateway/bank/bank", metrics.OpBankAdd},
		{"DELETE", "/secure/gateway/bank/bank", metrics.OpBankDelete},
		{"PUT", "/gateway/bank/bank", metrics.OpOther},
		{"POST", "/gateway/period/list", metrics.OpPeriodList},
		{"GET", "/gateway/period/list", metrics.OpOther},
		{"GET", "/gateway/bank/status", metrics.OpStatus},
		{"GET", "/gateway/period/status", metrics.OpStatus},
		{"GET", "/gateway/name/status", metrics.OpStatus},
		{"GET", "/gateway/nothing/status", metrics.OpOther},
		{"GET", "/healthz", metrics.OpOther},
		{"GET", "/gateway/contact/swagger.yaml", metrics.OpOther},
		{"POST", "/securegateway/contact/contact", metrics.OpOther},
		{"POST", "/gateway/contact/contact/", metrics.OpOther},
	} {
		if got := operationOf(tc.method, tc.path); got != tc.want {
			t.Errorf("operationOf(%s %s) = %s, want %s", tc.method, tc.path, got, tc.want)
		}
	}
	allocs := testing.AllocsPerRun(100, func() { operationOf(http.MethodPut, "/secure/gateway/contact/phone") })
	if allocs != 0 {
		t.Errorf("operationOf allocates %v times", allocs)
	}
}

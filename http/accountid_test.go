package http_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestAccountIDTypes: the complying fund AS/1234 (CMPF) and the KiwiSaver
// scheme KSS/12345 (KSF) are named by their ID types in the Account read
// and the Address, Bank and Period APIs; named by another type they are
// CST404, as an ACC account named CMPF or KSF is. The Contact API's YAML
// allows ACC only. On both stores.
func TestAccountIDTypes(t *testing.T) {
	onEachStore(t, func(t *testing.T, s *sandboxServer) {
		accounts := []struct{ id, idType, accountType string }{
			{"AS/1234", "CMPF", "PIE"},
			{"KSS/12345", "KSF", "KSF"},
		}
		for _, a := range accounts {
			status, body := s.do("POST", "/gateway/account/account", `{"AccountID":"`+a.id+`","AccountIDType":"`+a.idType+`"}`)
			mustStatus(t, status, body, http.StatusOK)
			if !strings.Contains(string(body), `"IDType":"`+a.idType+`"`) || !strings.Contains(string(body), `"AccountType":"`+a.accountType+`"`) {
				t.Fatalf("%s read %s", a.id, body)
			}
			for _, wrong := range []string{"ACC", "CMPF", "KSF"} {
				if wrong == a.idType {
					continue
				}
				status, body := s.do("POST", "/gateway/account/account", `{"AccountID":"`+a.id+`","AccountIDType":"`+wrong+`"}`)
				wantError(t, status, body, http.StatusBadRequest, "CST404")
				status, body = s.do("POST", "/gateway/bank/bank", nzBankBody(a.id, wrong, "01-0902-00068389-0000", ""))
				wantError(t, status, body, http.StatusBadRequest, "CST404")
				status, body = listPeriods(t, s, a.id, wrong, "", "")
				wantError(t, status, body, http.StatusBadRequest, "CST404")
			}

			status, body = s.do("POST", "/gateway/address/address", `{"AccountID":"`+a.id+`","AccountIDType":"`+a.idType+`","Type":"PRFMAL","NewZealand":{"DPID":4242}}`)
			mustStatus(t, status, body, http.StatusOK)
			id := newID(t, body, "AddressID")
			status, body = s.do("POST", "/gateway/bank/bank", nzBankBody(a.id, a.idType, "01-0902-00068389-0000", ""))
			mustStatus(t, status, body, http.StatusOK)
			if n, _, _ := accountBank(t, s, a.id, a.idType); n != "01-0902-00068389-0000" {
				t.Fatalf("%s: bank account read %q", a.id, n)
			}
			status, body = s.do("POST", "/gateway/account/account", `{"AccountID":"`+a.id+`","AccountIDType":"`+a.idType+`"}`)
			mustStatus(t, status, body, http.StatusOK)
			if !strings.Contains(string(body), `"AddressID":`+strconv.FormatInt(id, 10)) {
				t.Fatalf("%s: the created address is not in the read: %s", a.id, body)
			}
			status, body = s.do("DELETE", "/gateway/bank/bank", `{"AccountID":"`+a.id+`","AccountIDType":"`+a.idType+`"}`)
			mustStatus(t, status, body, http.StatusOK)
			status, body = listPeriods(t, s, a.id, a.idType, "", "")
			if ends := periodEnds(t, status, body); len(ends) == 0 || !strings.Contains(string(body), `"AccountType":"`+a.accountType+`"`) {
				t.Fatalf("%s: periods %s", a.id, body)
			}
			status, body = s.do("POST", "/gateway/contact/contact", `{"AccountID":"`+a.id+`","AccountIDType":"`+a.idType+`",`+
				`"Contact":{"ContactType":"SCNDRY","Name":"X","Phone":[{"PhoneType":"BSN","Country":"NZ","Number":"044451153"}]}}`)
			wantError(t, status, body, http.StatusBadRequest, "EV1100")
		}
		status, body := s.do("POST", "/gateway/address/address", `{"AccountID":"132243158FBT005","AccountIDType":"CMPF","Type":"PRFMAL","NewZealand":{"DPID":4242}}`)
		wantError(t, status, body, http.StatusBadRequest, "CST404")
	})
}

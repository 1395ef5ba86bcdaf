package http_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/contactd/contactd"
)

// listPeriods answers a period list of the account; from and to are sent
// when not empty.
func listPeriods(t *testing.T, s *sandboxServer, accountID, idType, from, to string) (int, []byte) {
	t.Helper()
	body := `{"AccountID":"` + accountID + `","AccountIDType":"` + idType + `"`
	if from != "" {
		body += `,"FromDate":"` + from + `"`
	}
	if to != "" {
		body += `,"ToDate":"` + to + `"`
	}
	return s.do("POST", "/gateway/period/list", body+"}")
}

// periodEnds lists the PeriodEnd of each period of a 200 answer, in order.
func periodEnds(t *testing.T, status int, body []byte) []string {
	t.Helper()
	mustStatus(t, status, body, http.StatusOK)
	var r struct{ Periods []map[string]any }
	if err := json.Unmarshal(body, &r); err != nil || r.Periods == nil {
		t.Fatalf("not a period list: %s", body)
	}
	ends := []string{}
	for _, p := range r.Periods {
		ends = append(ends, p["PeriodEnd"].(string))
	}
	return ends
}

// TestPeriodList: the stored periods of a persona, newest first, filtered
// by PeriodEnd (several, exactly one, none), every field the YAML defines;
// bad dates EV1100 naming the field; ACT100, EV1022, CST404. On both
// stores.
func TestPeriodList(t *testing.T) {
	onEachStore(t, func(t *testing.T, s *sandboxServer) {
		const acc = "132244081INC002" // three income tax years
		for _, tc := range []struct{ from, to, want string }{
			{"", "", "2021-03-31 2020-03-31 2019-03-31"},
			{"2019-03-31", "2020-03-31", "2020-03-31 2019-03-31"}, // bounds included
			{"2020-01-01", "", "2021-03-31 2020-03-31"},
			{"", "2019-12-31", "2019-03-31"},
			{"2021-01-01", "2021-12-31", "2021-03-31"},
			{"2021-04-01", "2030-12-31", ""},
			{"2020-04-01", "2020-04-01", ""},
		} {
			status, body := listPeriods(t, s, acc, "ACC", tc.from, tc.to)
			if got := strings.Join(periodEnds(t, status, body), " "); got != tc.want {
				t.Errorf("FromDate %q ToDate %q: periods %q, want %q", tc.from, tc.to, got, tc.want)
			}
		}
		status, body := listPeriods(t, s, acc, "ACC", "", "")
		mustStatus(t, status, body, http.StatusOK)
		for _, field := range []string{`"PeriodBegin":"2019-04-01"`, `"DefaultAssessment":0`, `"NoticeOfAssessmentIssued":true`,
			`"INC":{"ExtensionOfTimeStatus":"","ExtensionOfTime":false`, `"BalanceDate":"2020-03-31","DeferredDate":"","Prov":[{"Method":"STD","Amount":4800`,
			`"BalanceDate":"2019-03-31","DeferredDate":"","Prov":[]}`} {
			if !strings.Contains(string(body), field) {
				t.Errorf("list lacks %s: %s", field, body)
			}
		}

		for _, tc := range []struct {
			acc, idType, from, to, code, field string
			status                             int
		}{
			{acc, "ACC", "2021-02-30", "", "EV1100", "FromDate", 400},
			{acc, "ACC", "", "31/03/2021", "EV1100", "ToDate", 400},
			{acc, "ACC", "2021-01-01", "2020-01-01", "EV1100", "ToDate", 400},
			{"132243158KSS004", "ACC", "", "", "ACT100", "", 400},
			{"102210221INC002", "ACC", "", "", "EV1022", "", 403},
			{"111111111INC002", "ACC", "", "", "CST404", "", 400},
			{acc, "CMPF", "", "", "CST404", "", 400},
		} {
			status, body := listPeriods(t, s, tc.acc, tc.idType, tc.from, tc.to)
			e := wantError(t, status, body, tc.status, tc.code)
			if tc.field != "" && !strings.HasSuffix(e.Message, ": "+tc.field) {
				t.Errorf("%s %s: message %q, want one naming %s", tc.acc, tc.from+tc.to, e.Message, tc.field)
			}
		}

		// Periods are the Period API's: the Account read shows none.
		status, body = s.do("POST", "/gateway/account/account", `{"AccountID":"069096409EMP003","AccountIDType":"ACC"}`)
		mustStatus(t, status, body, http.StatusOK)
		if strings.Contains(string(body), "PeriodEnd") || strings.Contains(string(body), "PSOIM\",\"Period") {
			t.Fatalf("the Account read shows periods: %s", body)
		}
	})
}

// TestPeriodSynthesized: an account that holds no periods lists those its
// type and filing frequency imply today, newest first.
func TestPeriodSynthesized(t *testing.T) {
	onEachStore(t, func(t *testing.T, s *sandboxServer) {
		status, body := listPeriods(t, s, "132246831INC002", "ACC", "", "")
		ends := periodEnds(t, status, body)
		want := contactd.SynthesizePeriods("INC", "ITN03C", time.Now())
		if len(ends) != len(want) || ends[0] != want[0].PeriodEnd.String() {
			t.Fatalf("periods %v, want %d ending %s first", ends, len(want), want[0].PeriodEnd)
		}
		for i := 1; i < len(ends); i++ {
			if ends[i] >= ends[i-1] {
				t.Fatalf("not newest first: %v", ends)
			}
		}
		if !strings.Contains(string(body), `"AccountType":"INC","FilingFrequency":"ITN03C"`) {
			t.Fatalf("synthesized periods %s", body)
		}
	})
}

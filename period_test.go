package contactd

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/contactd/contactd/api"
)

func mustDate(t *testing.T, s string) Date {
	t.Helper()
	d, ok := ParseDate(s)
	if !ok {
		t.Fatalf("bad date %q", s)
	}
	return d
}

// TestParsePeriodRangeRuling6: YYYY-MM-DD or EV1100 naming the field.
func TestParsePeriodRangeRuling6(t *testing.T) {
	for _, tt := range []struct {
		name, from, to string
		want           PeriodRange
		code           Code
		field          string
	}{
		{"both", "2021-01-01", "2021-12-31", PeriodRange{Date{2021, 1, 1}, Date{2021, 12, 31}}, "", ""},
		{"neither: no bounds", "", "", PeriodRange{}, "", ""},
		{"from only", "2021-01-01", "", PeriodRange{From: Date{2021, 1, 1}}, "", ""},
		{"one day", "2021-03-31", "2021-03-31", PeriodRange{Date{2021, 3, 31}, Date{2021, 3, 31}}, "", ""},
		{"the published EV1100 sample", "2020-20-20", "2012-02-02", PeriodRange{}, EV1100, "FromDate"},
		{"bad ToDate", "2021-01-01", "2021-02-30", PeriodRange{}, EV1100, "ToDate"},
		{"not YYYY-MM-DD", "01/01/2021", "", PeriodRange{}, EV1100, "FromDate"},
		{"ToDate before FromDate", "2021-01-02", "2021-01-01", PeriodRange{}, EV1100, "ToDate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePeriodRange(tt.from, tt.to)
			wantContactdError(t, err, tt.code, tt.field)
			if got != tt.want {
				t.Errorf("range %+v, want %+v", got, tt.want)
			}
		})
	}
}

// samplePeriods decodes the Periods of a published list response.
func samplePeriods(t *testing.T, file string) []Period {
	t.Helper()
	data, err := api.Files.ReadFile("sample-messages/period/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		Periods []struct {
			AccountType, FilingFrequency, PeriodBegin, PeriodEnd string
			NoticeOfAssessmentIssued, ReturnData                 bool
			DefaultAssessment                                    float64
			INC                                                  *struct{ BalanceDate string }
		}
	}
	if err := json.Unmarshal(data, &resp); err != nil {
		t.Fatal(err)
	}
	var out []Period
	for _, p := range resp.Periods {
		q := Period{AccountType: p.AccountType, FilingFrequency: p.FilingFrequency,
			PeriodBegin: mustDate(t, p.PeriodBegin), PeriodEnd: mustDate(t, p.PeriodEnd),
			NoticeOfAssessmentIssued: p.NoticeOfAssessmentIssued, ReturnData: p.ReturnData, DefaultAssessment: p.DefaultAssessment}
		if p.INC != nil {
			q.INC = &IncomeTaxPeriod{BalanceDate: mustDate(t, p.INC.BalanceDate)}
		}
		out = append(out, q)
	}
	return out
}

func periodEnds(ps []Period) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.PeriodEnd.String())
	}
	return strings.Join(s, " ")
}

// TestListPeriodsFilterAndOrderRuling6: a period is listed when its
// PeriodEnd is within FromDate..ToDate, newest first.
func TestListPeriodsFilterAndOrderRuling6(t *testing.T) {
	emp := samplePeriods(t, "POST_200_list_non-INC_account_response.json")
	if len(emp) != 6 {
		t.Fatalf("sample has %d periods", len(emp))
	}
	shuffled := slices.Clone(emp)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for _, tt := range []struct {
		name, from, to, want string
	}{
		{"no bounds: all, as the sample lists them", "", "", "2020-06-30 2020-05-31 2020-04-30 2020-03-31 2020-02-29 2020-01-31"},
		{"several", "2020-03-01", "2020-05-31", "2020-05-31 2020-04-30 2020-03-31"},
		{"exactly one: bounds included", "2020-02-29", "2020-02-29", "2020-02-29"},
		{"one, by its end only (the begin is outside)", "2020-04-15", "2020-05-15", "2020-04-30"},
		{"none", "2021-01-01", "2021-12-31", ""},
		{"from only", "2020-05-01", "", "2020-06-30 2020-05-31"},
		{"to only", "", "2020-01-31", "2020-01-31"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParsePeriodRange(tt.from, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			if got := periodEnds(ListPeriods(shuffled, r)); got != tt.want {
				t.Errorf("listed %q, want %q", got, tt.want)
			}
		})
	}
	// The INC sample: FromDate 2021-01-01, ToDate 2021-12-31 lists the
	// period ending 2021-03-31, which began in 2020.
	inc := samplePeriods(t, "POST_200_list_specific_INC_period_details_response.json")
	r, _ := ParsePeriodRange("2021-01-01", "2021-12-31")
	if got := ListPeriods(inc, r); len(got) != 1 || got[0].INC == nil || got[0].INC.BalanceDate != got[0].PeriodEnd {
		t.Errorf("INC sample lists %+v", got)
	}
}

func at(t *testing.T, rfc3339 string) time.Time {
	t.Helper()
	u, err := time.Parse(time.RFC3339, rfc3339)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestSynthesizePeriodsByTypeAndFrequency checks the rule documented on
// SynthesizePeriods.
func TestSynthesizePeriodsByTypeAndFrequency(t *testing.T) {
	for _, tt := range []struct {
		name, accountType, freq, now string
		count                        int
		newest, oldest               string // "begin..end"
	}{
		{"EMP monthly", "EMP", "PSOIM", "2020-07-15T00:00:00Z", 49, "2020-07-01..2020-07-31", "2016-07-01..2016-07-31"},
		{"INC annual to March (ITN03N)", "INC", "ITN03N", "2021-10-28T00:00:00Z", 5, "2021-04-01..2022-03-31", "2017-04-01..2018-03-31"},
		{"INC balancing in June (ITN06N)", "INC", "ITN06N", "2021-10-28T00:00:00Z", 5, "2021-07-01..2022-06-30", "2017-07-01..2018-06-30"},
		{"unknown frequency: March", "FAM", "X", "2021-03-31T10:59:00Z", 5, "2020-04-01..2021-03-31", "2016-04-01..2017-03-31"},
		{"the NZ date decides: 1 April in NZ", "FAM", "X", "2021-03-31T11:00:00Z", 5, "2021-04-01..2022-03-31", "2017-04-01..2018-03-31"},
		{"GST two-monthly, ending on odd months", "GST", "ITN03C", "2021-08-15T00:00:00Z", 25, "2021-08-01..2021-09-30", "2017-08-01..2017-09-30"},
		{"FBT quarterly", "FBT", "", "2021-08-15T00:00:00Z", 17, "2021-07-01..2021-09-30", "2017-07-01..2017-09-30"},
		{"leap day", "EMP", "", "2024-02-29T00:00:00Z", 49, "2024-02-01..2024-02-29", "2020-02-01..2020-02-29"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ps := SynthesizePeriods(tt.accountType, tt.freq, at(t, tt.now))
			if len(ps) != tt.count {
				t.Fatalf("%d periods, want %d: %s", len(ps), tt.count, periodEnds(ps))
			}
			span := func(p Period) string { return p.PeriodBegin.String() + ".." + p.PeriodEnd.String() }
			if span(ps[0]) != tt.newest || span(ps[len(ps)-1]) != tt.oldest {
				t.Errorf("newest %s, oldest %s; want %s, %s", span(ps[0]), span(ps[len(ps)-1]), tt.newest, tt.oldest)
			}
			today := NZDate(at(t, tt.now))
			for i, p := range ps {
				if p.AccountType != tt.accountType || p.FilingFrequency != tt.freq {
					t.Errorf("period %d: %+v", i, p)
				}
				if i > 0 && ps[i-1].PeriodBegin != p.PeriodEnd.AddDays(1) {
					t.Errorf("periods %d and %d are not contiguous", i-1, i)
				}
				if p.ReturnData != p.PeriodEnd.Before(today) {
					t.Errorf("period %d ReturnData %v", i, p.ReturnData)
				}
				if (p.INC != nil) != (tt.accountType == "INC") || p.INC != nil && p.INC.BalanceDate != p.PeriodEnd {
					t.Errorf("period %d INC %+v", i, p.INC)
				}
			}
			if periodEnds(ListPeriods(ps, PeriodRange{})) != periodEnds(ps) {
				t.Error("not newest first")
			}
		})
	}
	if ps := SynthesizePeriods("KSS", "X", time.Now()); ps != nil {
		t.Errorf("KSS, outside the YAML's enum, has periods: %v", ps)
	}
}

// TestPeriodAccountTypesAreTheYAMLs: periodAccountTypes is the YAML's
// AccountType enum of a listed period.
func TestPeriodAccountTypesAreTheYAMLs(t *testing.T) {
	data, err := api.Files.ReadFile("period-2021-10-28.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(data), "AccountType: \n              type: string")
	_, enum, _ := strings.Cut(rest, "enum: \n")
	enum, _, _ = strings.Cut(enum, "FilingFrequency")
	var got []string
	for _, line := range strings.Split(enum, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "- "); ok {
			got = append(got, v)
		}
	}
	if !slices.Equal(got, periodAccountTypes) {
		t.Errorf("YAML account types %q, periodAccountTypes %q", got, periodAccountTypes)
	}
}

// TestPeriodJSON: a period as the list shows it, in the published order,
// reads back as itself; a bad date is an error.
func TestPeriodJSON(t *testing.T) {
	d := func(s string) Date { v, _ := ParseDate(s); return v }
	p := Period{AccountType: "INC", FilingFrequency: "ITN03N", PeriodBegin: d("2020-04-01"), PeriodEnd: d("2021-03-31"),
		INC: &IncomeTaxPeriod{BalanceDate: d("2021-03-31"), ExtensionOfTime: true, ExtensionOfTimeType: "Agent",
			ExtensionOfTimeStatus: "D", DeferredDate: d("2021-04-15"), FilingGroup: "IITSG3",
			Prov: []ProvisionalTax{{Method: "STD", Amount: 5500, Commence: d("2020-04-01"), Cease: d("9999-12-31")}}}}
	b, err := json.Marshal(p)
	want := `{"AccountType":"INC","FilingFrequency":"ITN03N","NoticeOfAssessmentIssued":false,"PeriodBegin":"2020-04-01",` +
		`"PeriodEnd":"2021-03-31","ReturnData":false,"DefaultAssessment":0,"INC":{"ExtensionOfTimeStatus":"D","ExtensionOfTime":true,` +
		`"ExtensionOfTimeType":"Agent","TaxPooling":false,"LossToCarryForward":0,"ExcessImputationToCarryForward":0,` +
		`"ResidentialRentalDeductionsToCarryForward":0,"ResearchAndDevelopmentTaxCreditToCarryForward":0,"ICABalance":0,` +
		`"MACBalance":0,"FilingGroup":"IITSG3","LossCarryBack":false,"BalanceDate":"2021-03-31","DeferredDate":"2021-04-15",` +
		`"Prov":[{"Method":"STD","Amount":5500,"Ratio":0,"Commence":"2020-04-01","Cease":"9999-12-31"}]}}`
	if err != nil || string(b) != want {
		t.Fatalf("Marshal = %s, %v\nwant %s", b, err, want)
	}
	var back Period
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, p) {
		t.Fatalf("Unmarshal = %+v, %v", back, err)
	}
	r, err := p.Record(9)
	if err != nil || r.Kind != KindPeriod || r.Key != "2021-03-31" || string(r.Fields) != want {
		t.Fatalf("Record = %+v, %v", r, err)
	}
	emp, _ := json.Marshal(Period{AccountType: "EMP", FilingFrequency: "PSOIM", PeriodBegin: d("2020-06-01"), PeriodEnd: d("2020-06-30")})
	if strings.Contains(string(emp), "INC") {
		t.Fatalf("a non-INC period shows an INC block: %s", emp)
	}
	if err := json.Unmarshal([]byte(strings.Replace(want, "2020-04-01", "2020-4-1", 1)), &back); err == nil {
		t.Fatal("a bad date read back")
	}
}

package contactd

import (
	"testing"
	"time"
)

func TestBICCodeFormat(t *testing.T) {
	for _, tt := range []struct {
		code string
		ok   bool
	}{
		// Every code of the published samples and SUITE.md.
		{"A041930", true}, {"C249910", true}, {"N731115", true}, {"A019960", true},
		{"A04193", true}, {"A0419301", true}, // the YAML's 6 and 8 characters
		{"A0419", false}, {"A04193012", false},
		{"a041930", false}, {"0041930", false}, {"AA41930", false}, {"A04193O", false},
		{"A04 930", false}, {"", false}, {"A041930\u00e9", false},
	} {
		if got := ValidBICCode(tt.code); got != tt.ok {
			t.Errorf("ValidBICCode(%q) = %v, want %v", tt.code, got, tt.ok)
		}
		_, err := ParseBICCode(tt.code)
		if tt.ok {
			wantContactdError(t, err, "", "")
		} else {
			wantContactdError(t, err, EV1100, "BICCode")
		}
	}
}

// TestBICDatesRuling5: Commence and Cease default to today in New Zealand
// and may not be in the future (BIC102, BIC103); a malformed date is
// EV1100 naming the field.
func TestBICDatesRuling5(t *testing.T) {
	// 2021-08-31 11:30 UTC is 23:30 on 31 August in New Zealand (NZST),
	// and 2021-08-31 12:30 UTC is already 1 September there.
	late := time.Date(2021, 8, 31, 11, 30, 0, 0, time.UTC)
	nextNZDay := time.Date(2021, 8, 31, 12, 30, 0, 0, time.UTC)
	tests := []struct {
		name  string
		date  string
		now   time.Time
		want  Date
		code  Code
		field string
	}{
		{"default is today in NZ", "", late, Date{2021, time.August, 31}, "", ""},
		{"default follows the NZ date, not UTC", "", nextNZDay, Date{2021, time.September, 1}, "", ""},
		{"today is allowed", "2021-08-31", late, Date{2021, time.August, 31}, "", ""},
		{"the past is allowed", "2000-01-01", late, Date{2000, time.January, 1}, "", ""},
		{"tomorrow in NZ is the future", "2021-09-01", late, Date{}, "future", ""},
		{"tomorrow in UTC is today in NZ", "2021-09-01", nextNZDay, Date{2021, time.September, 1}, "", ""},
		{"far future (the published sample)", "9999-12-31", late, Date{}, "future", ""},
		{"not a date", "2021-02-29", late, Date{}, EV1100, "field"},
		{"not YYYY-MM-DD", "31/08/2021", late, Date{}, EV1100, "field"},
	}
	for _, op := range []struct {
		fn     func(string, time.Time) (Date, error)
		field  string
		future Code
	}{
		{BICCommence, "Commence", BIC102},
		{BICCease, "Cease", BIC103},
	} {
		for _, tt := range tests {
			t.Run(op.field+"/"+tt.name, func(t *testing.T) {
				got, err := op.fn(tt.date, tt.now)
				code, field := tt.code, tt.field
				if code == "future" {
					code = op.future
				}
				if field == "field" {
					field = op.field
				}
				wantContactdError(t, err, code, field)
				if got != tt.want {
					t.Errorf("date = %v, want %v", got, tt.want)
				}
			})
		}
	}
}

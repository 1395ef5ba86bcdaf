package contactd

import (
	"testing"
	"time"
)

func TestParseDateAcceptsOnlyYYYYMMDD(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Date
		ok   bool
	}{
		{"2021-08-31", Date{2021, time.August, 31}, true},
		{"2020-02-29", Date{2020, time.February, 29}, true},
		{"9999-12-31", Date{9999, time.December, 31}, true},
		{"2021-02-29", Date{}, false},
		{"2020-20-20", Date{}, false},
		{"2021-8-31", Date{}, false},
		{"2021-08-31T00:00:00", Date{}, false},
		{"31/08/2021", Date{}, false},
		{"", Date{}, false},
	} {
		got, ok := ParseDate(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseDate(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if ok && got.String() != tt.in {
			t.Errorf("ParseDate(%q).String() = %q", tt.in, got.String())
		}
	}
	if (Date{}).String() != "" || !(Date{}).IsZero() {
		t.Error("the zero Date is not empty")
	}
}

func TestNZDateIsTheDateInNewZealand(t *testing.T) {
	for _, tt := range []struct {
		utc  string
		want Date
	}{
		{"2021-08-30T11:59:59Z", Date{2021, time.August, 30}}, // 23:59:59 NZST
		{"2021-08-30T12:00:00Z", Date{2021, time.August, 31}}, // midnight NZST
		{"2021-12-31T10:59:59Z", Date{2021, time.December, 31}},
		{"2021-12-31T11:00:00Z", Date{2022, time.January, 1}}, // midnight NZDT
	} {
		u, err := time.Parse(time.RFC3339, tt.utc)
		if err != nil {
			t.Fatal(err)
		}
		if got := NZDate(u); got != tt.want {
			t.Errorf("NZDate(%s) = %v, want %v", tt.utc, got, tt.want)
		}
	}
}

func TestDateOrderAndArithmetic(t *testing.T) {
	a, b := Date{2020, time.February, 28}, Date{2020, time.March, 1}
	if !a.Before(b) || !b.After(a) || a.Compare(a) != 0 || b.Compare(a) != 1 {
		t.Error("date order is wrong")
	}
	if got := a.AddDays(2); got != b {
		t.Errorf("AddDays(2) = %v, want %v (2020 is a leap year)", got, b)
	}
	if got := b.AddDays(-1); got != (Date{2020, time.February, 29}) {
		t.Errorf("AddDays(-1) = %v", got)
	}
}

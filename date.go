package contactd

import (
	"fmt"
	"time"
	_ "time/tzdata" // dates are New Zealand dates wherever contactd runs
)

// Date is a calendar date without a time of day or a zone, as the suite's
// APIs write dates: YYYY-MM-DD. The zero Date means "no date".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NZ is the zone of every date and time the suite shows: the published
// samples give New Zealand local times.
var NZ = func() *time.Location {
	loc, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		panic("contactd: " + err.Error()) // time/tzdata is linked in
	}
	return loc
}()

// NZDate returns the date that t falls on in New Zealand.
func NZDate(t time.Time) Date {
	y, m, d := t.In(NZ).Date()
	return Date{y, m, d}
}

// ParseDate parses a date written YYYY-MM-DD (the Swagger format "date"),
// and reports whether s is one: 2021-02-29 and 2021-2-28 are not.
func ParseDate(s string) (Date, bool) {
	if len(s) != len(time.DateOnly) {
		return Date{}, false
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, false
	}
	return Date{t.Year(), t.Month(), t.Day()}, true
}

// String writes the date YYYY-MM-DD, and "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.time().Format(time.DateOnly)
}

// MarshalText writes the date as String does: JSON shows it YYYY-MM-DD,
// the zero Date "".
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a date written YYYY-MM-DD, or "" as the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, ok := ParseDate(string(b))
	if !ok {
		return fmt.Errorf("date %q is not YYYY-MM-DD", b)
	}
	*d = v
	return nil
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int { return d.time().Compare(e.time()) }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// AddDays returns the date n days after d (before it for negative n).
func (d Date) AddDays(n int) Date {
	t := d.time().AddDate(0, 0, n)
	return Date{t.Year(), t.Month(), t.Day()}
}

// time returns midnight UTC of d, for arithmetic and formatting only.
func (d Date) time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

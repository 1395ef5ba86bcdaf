package contactd

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Period API rules: SUITE.md ruling 6 and api/period-2021-10-28.yaml.

// Period is one filing period of an account, with the fields of the Period
// API's list response in the published sample's order: it is written as
// the list shows it (dates YYYY-MM-DD) and kept so in a period record.
type Period struct {
	AccountType              string
	FilingFrequency          string
	NoticeOfAssessmentIssued bool
	PeriodBegin              Date
	PeriodEnd                Date // identifies the period
	ReturnData               bool // a return is expected or has been filed
	DefaultAssessment        float64
	INC                      *IncomeTaxPeriod `json:",omitempty"` // income tax (INC) accounts only
}

// IncomeTaxPeriod is the INC block of an income tax period.
type IncomeTaxPeriod struct {
	ExtensionOfTimeStatus                         string // "D", "G", "L", "R", "W" or ""
	ExtensionOfTime                               bool
	ExtensionOfTimeType                           string // "Agent", "Customer" or ""
	TaxPooling                                    bool
	LossToCarryForward                            float64
	ExcessImputationToCarryForward                float64
	ResidentialRentalDeductionsToCarryForward     float64
	ResearchAndDevelopmentTaxCreditToCarryForward float64
	ICABalance                                    float64
	MACBalance                                    float64
	FilingGroup                                   string // IITSF2, IITSF3, IITSG1, IITSG2, IITSG3, IITSNI or ""
	LossCarryBack                                 bool
	BalanceDate                                   Date // always the period's end
	DeferredDate                                  Date // zero when none, written ""
	Prov                                          []ProvisionalTax
}

// ProvisionalTax is one provisional tax entry (Prov) of an income tax
// period.
type ProvisionalTax struct {
	Method   string // "AIM", "EST", "RATIO", "STD" or ""
	Amount   float64
	Ratio    float64
	Commence Date
	Cease    Date
}

// PeriodRange is the FromDate..ToDate filter of a period list; a zero
// bound is no bound.
type PeriodRange struct {
	From, To Date
}

// ParsePeriodRange reads FromDate and ToDate of a period list request; an
// empty one is no bound. A date that is not YYYY-MM-DD is EV1100 naming it
// (ruling 6); a ToDate before the FromDate is EV1100 naming ToDate, as no
// period could be listed.
func ParsePeriodRange(fromDate, toDate string) (PeriodRange, error) {
	var r PeriodRange
	var ok bool
	if fromDate != "" {
		if r.From, ok = ParseDate(fromDate); !ok {
			return PeriodRange{}, Errorf(EV1100, "FromDate")
		}
	}
	if toDate != "" {
		if r.To, ok = ParseDate(toDate); !ok {
			return PeriodRange{}, Errorf(EV1100, "ToDate")
		}
	}
	if !r.From.IsZero() && !r.To.IsZero() && r.To.Before(r.From) {
		return PeriodRange{}, Errorf(EV1100, "ToDate")
	}
	return r, nil
}

// Contains reports whether d is within the range, bounds included.
func (r PeriodRange) Contains(d Date) bool {
	return (r.From.IsZero() || !d.Before(r.From)) && (r.To.IsZero() || !d.After(r.To))
}

// ListPeriods returns the periods whose PeriodEnd is within r, newest
// first (by PeriodEnd, then PeriodBegin), in a new slice (ruling 6).
func ListPeriods(periods []Period, r PeriodRange) []Period {
	var out []Period
	for _, p := range periods {
		if r.Contains(p.PeriodEnd) {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b Period) int {
		return cmp.Or(b.PeriodEnd.Compare(a.PeriodEnd), b.PeriodBegin.Compare(a.PeriodBegin))
	})
	return out
}

// periodAccountTypes are the account types of the YAML's Period.AccountType
// enum; an account of another type has no periods.
var periodAccountTypes = []string{"AIL", "AIP", "CAD", "CPR", "CRS", "DWT", "EMP", "EQU", "ERA", "FAM",
	"FAT", "FBT", "FTR", "GMD", "GSD", "GST", "INC", "IPS", "KSF", "LOD", "MPO", "NCP", "NRT", "PIE", "PRS",
	"RDI", "REB", "RLT", "RSP", "RUL", "RWT", "SBC", "SLS", "TOD", "TPA", "UCM"}

// periodMonths is the length of a period by account type: payroll is filed
// monthly (payday filing), GST two-monthly and FBT quarterly, as each is
// by default; every other type annually.
var periodMonths = map[string]int{"EMP": 1, "GST": 2, "FBT": 3}

// periodHistoryYears is how far back synthetic periods go: the four-year
// time bar on reassessments.
const periodHistoryYears = 4

// SynthesizePeriods returns the periods that an account of accountType
// filing at filingFrequency has at now, newest first, for accounts whose
// periods are not published (the sandbox's synthetic accounts). The rule:
//
//   - Length: EMP monthly, GST two-monthly, FBT quarterly, every other type
//     of the YAML's AccountType enum a year; a type outside the enum has no
//     periods.
//   - Balance month: a filing frequency of the form "ITNmm..." with mm a
//     month (the samples' ITN03N and ITN03C) balances in that month, any
//     other in March, New Zealand's standard balance date. Periods end on
//     the last day of the balance month and of every month a whole number
//     of periods away from it (GST with March: January, March, May, ...).
//   - Span: every period that has begun by now (New Zealand date), back to
//     the one that ends four years before today.
//   - Fields: FilingFrequency as given; a return is expected (ReturnData)
//     once the period has ended; no notice of assessment, no default
//     assessment; INC periods carry an INC block with BalanceDate = PeriodEnd
//     and nothing else set (no extension of time, no provisional tax).
func SynthesizePeriods(accountType, filingFrequency string, now time.Time) []Period {
	if !slices.Contains(periodAccountTypes, accountType) {
		return nil
	}
	length := periodMonths[accountType]
	if length == 0 {
		length = 12
	}
	balance := balanceMonth(filingFrequency)
	today := NZDate(now)
	// Months are counted as year*12 + month-1.
	current := today.Year*12 + int(today.Month) - 1
	// The end month of the current period: the first month from now on that
	// is a whole number of periods from the balance month.
	end := current + ((int(balance)-1-current)%length+length)%length
	oldest := Date{today.Year - periodHistoryYears, today.Month, today.Day}
	var periods []Period
	for ; ; end -= length {
		p := Period{
			AccountType:     accountType,
			FilingFrequency: filingFrequency,
			PeriodBegin:     Date{(end - length + 1) / 12, time.Month((end-length+1)%12 + 1), 1},
			PeriodEnd:       lastDayOfMonth(end),
		}
		if p.PeriodEnd.Before(oldest) {
			break
		}
		p.ReturnData = p.PeriodEnd.Before(today)
		if accountType == "INC" {
			p.INC = &IncomeTaxPeriod{BalanceDate: p.PeriodEnd}
		}
		periods = append(periods, p)
	}
	return periods
}

// balanceMonth reads the balance month of a filing frequency "ITNmm...";
// March for any other.
func balanceMonth(freq string) time.Month {
	if len(freq) >= 5 && freq[:3] == "ITN" && digitsOnly(freq[3:5]) {
		if m := atoi(freq[3:5]); m >= 1 && m <= 12 {
			return time.Month(m)
		}
	}
	return time.March
}

// lastDayOfMonth returns the last day of month m, counted as year*12 +
// month-1.
func lastDayOfMonth(m int) Date {
	next := m + 1
	return Date{next / 12, time.Month(next%12 + 1), 1}.AddDays(-1)
}

// MarshalJSON writes the period as the Period API's list shows it: its
// fields in order, dates YYYY-MM-DD, an INC block's Prov always an array.
func (p Period) MarshalJSON() ([]byte, error) {
	type plain Period // without this method
	if p.INC != nil && p.INC.Prov == nil {
		inc := *p.INC
		inc.Prov = []ProvisionalTax{}
		p.INC = &inc
	}
	return json.Marshal(plain(p))
}

// Record is the period as a record of kind period: its key is its
// PeriodEnd, its fields the period as the list shows it.
func (p Period) Record(id int64) (Record, error) {
	fields, err := p.MarshalJSON()
	if err != nil {
		return Record{}, fmt.Errorf("period record: %w", err)
	}
	return Record{ID: id, Kind: KindPeriod, Key: p.PeriodEnd.String(), Fields: fields}, nil
}

// filingFrequency reads the FilingFrequency of an account's stored
// profile, "" when it has none.
func filingFrequency(profile json.RawMessage) string {
	var p struct{ FilingFrequency string }
	if len(profile) > 0 && json.Unmarshal(profile, &p) != nil {
		return ""
	}
	return p.FilingFrequency
}

// ListPeriods returns the periods of the account ref names whose PeriodEnd
// is within r, newest first (SUITE.md ruling 6), after the checks every
// account-level operation has (CST404, EV1022, ACT100). An account's
// periods are its period records; an account that holds none (the
// synthetic accounts of `contactd seed`, and personas no published sample
// covers) has the periods SynthesizePeriods gives its type and filing
// frequency today.
func (s *Service) ListPeriods(ctx context.Context, caller Caller, ref OwnerRef, r PeriodRange) ([]Period, error) {
	o, err := s.owner(ctx, ref)
	if err != nil {
		return nil, err
	}
	if !o.AccountLevel() {
		return nil, Errorf(EV1100, "AccountID") // periods are account-level
	}
	if err := s.permit(ctx, caller, o); err != nil {
		return nil, err
	}
	if !slices.Contains(periodAccountTypes, o.AccountType) {
		return nil, Errorf(ACT100, "")
	}
	a, _, err := s.Store.AccountContacts(ctx, o.AccountID)
	if err != nil {
		return nil, err
	}
	var periods []Period
	for _, rec := range a.Records {
		if rec.Kind != KindPeriod {
			continue
		}
		var p Period
		if err := json.Unmarshal(rec.Fields, &p); err != nil {
			return nil, fmt.Errorf("period record %d: %w", rec.ID, err)
		}
		periods = append(periods, p)
	}
	if periods == nil {
		periods = SynthesizePeriods(a.Type, filingFrequency(a.Profile), s.now())
	}
	return ListPeriods(periods, r), nil
}

package contactd

import (
	"context"
	"time"
)

// BIC API rules: SUITE.md ruling 5 and api/bic-2021-11-29.yaml.

// BICCode is a Business Industry Classification code, which classifies a
// self-employed person or a business by its main service or product.
type BICCode string

// The BICCode lengths of the YAML (minLength, maxLength).
const (
	minBICCodeLen = 6
	maxBICCodeLen = 8
)

// ValidBICCode reports whether c has the form of a BIC code: 6 to 8
// characters as the YAML bounds it, an upper-case letter (the industry
// division) followed by digits, as every published code (A041930, N731115,
// C249910, A019960) is written. A code of another form is EV1100 naming
// BICCode: it cannot be a classification, so it is invalid input rather than
// a code the customer lacks (BIC101).
func ValidBICCode(c string) bool {
	if len(c) < minBICCodeLen || len(c) > maxBICCodeLen || c[0] < 'A' || c[0] > 'Z' {
		return false
	}
	return digitsOnly(c[1:])
}

// ParseBICCode returns c as a BICCode, or *Error EV1100 naming BICCode when
// it does not have the form ValidBICCode describes.
func ParseBICCode(c string) (BICCode, error) {
	if !ValidBICCode(c) {
		return "", Errorf(EV1100, "BICCode")
	}
	return BICCode(c), nil
}

// BICCommence returns the commence date of a BIC POST: the date commence
// gives, or today in New Zealand when commence is empty. A commence that is
// not a YYYY-MM-DD date is EV1100 naming Commence; a date after today is
// BIC102 ("Activity commence date may not be in the future").
func BICCommence(commence string, now time.Time) (Date, error) {
	return bicDate(commence, now, "Commence", BIC102)
}

// BICCease returns the cease date of a BIC DELETE: the date cease gives, or
// today in New Zealand when cease is empty. A cease that is not a
// YYYY-MM-DD date is EV1100 naming Cease; a date after today is BIC103
// ("Activity cease date may not be in the future").
func BICCease(cease string, now time.Time) (Date, error) {
	return bicDate(cease, now, "Cease", BIC103)
}

func bicDate(s string, now time.Time, field string, future Code) (Date, error) {
	today := NZDate(now)
	if s == "" {
		return today, nil
	}
	d, ok := ParseDate(s)
	if !ok {
		return Date{}, Errorf(EV1100, field)
	}
	if d.After(today) {
		return Date{}, Errorf(future, "")
	}
	return d, nil
}

// bicFields are a BIC code's fields: the code, as the Customer read shows
// it, and the date it commenced.
type bicFields struct {
	BICCode  BICCode
	Commence string
}

// AddBIC adds a BIC code to a customer, commencing on commence (today when
// empty), or moves the commence date of the code when it is live already.
func (s *Service) AddBIC(ctx context.Context, ch Change, customer CustomerID, code, commence string) (int64, error) {
	return s.PutRecord(ctx, ch, OwnerRef{Customer: customer}, KindBIC, Merge, func(Owner) (Record, error) {
		c, err := ParseBICCode(code)
		if err != nil {
			return Record{}, err
		}
		d, err := BICCommence(commence, s.now())
		if err != nil {
			return Record{}, err
		}
		fields, err := recordFields(bicFields{c, d.String()})
		return Record{Kind: KindBIC, Key: string(c), Fields: fields}, err
	})
}

// DeleteBIC ceases a customer's live BIC code on cease (today when empty):
// BIC103 for a future date, BIC101 when the code is not live on the
// customer.
func (s *Service) DeleteBIC(ctx context.Context, ch Change, customer CustomerID, code, cease string) error {
	return s.CeaseRecordByKey(ctx, ch, OwnerRef{Customer: customer}, KindBIC, code, BIC101, func(Owner) error {
		if _, err := ParseBICCode(code); err != nil {
			return err
		}
		_, err := BICCease(cease, s.now())
		return err
	})
}

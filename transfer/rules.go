package transfer

import (
	"encoding/json"
	"errors"

	"github.com/contactd/contactd"
	"github.com/valyala/fastjson"
)

// recordRules checks an owner's records with the API's own rules for
// them (the root package's: ValidateAddress, the name rules, ValidBICCode,
// ValidateShownBankAccount), after the schema.
type recordRules struct {
	account bool // the owner is an account (PRFLOC and PRFMAL addresses)
	// profile is the customer's profile, for whether it is a person (a
	// PREFER name is for persons only); nil for an account.
	profile json.RawMessage
	// published, if set, accepts a record the rules refuse (ParseOptions).
	published func(contactd.Record) bool
}

// check refuses a record that breaks a rule, naming the field at fault:
// at is the record's element (Address[0]) or, for a record spliced into
// its owner (a bank account), the owner's path ("" or Accounts[i]).
func (rr recordRules) check(r contactd.Record, at string) error {
	p := parsers.Get()
	defer parsers.Put(p)
	var err error
	switch r.Kind {
	case contactd.KindName:
		err = rr.checkName(p, r, at)
	case contactd.KindAddress:
		err = rr.checkAddress(p, r, at)
	case contactd.KindBIC:
		if !contactd.ValidBICCode(r.Key) {
			err = refuse(join(at, "BICCode"), contactd.EV1100, "")
		}
	case contactd.KindBank:
		err = checkBank(p, r, at)
	}
	if err != nil && rr.published != nil && rr.published(r) {
		return nil
	}
	return err
}

// join is the path of field in the object at.
func join(at, field string) string {
	if at == "" {
		return field
	}
	return at + "." + field
}

// checkName applies the Name API's rules to a PREFER or DBACST name
// (ValidateNewName: a PREFER name for a person only, the fields its type
// needs) and ValidateLegalName to the LGL name. The read shows no
// Unformatted: a trade name, and a name without parts, is its Formatted.
func (rr recordRules) checkName(p *fastjson.Parser, r contactd.Record, at string) error {
	f, err := fields(p, r, at)
	if err != nil {
		return err
	}
	n := contactd.Name{Type: contactd.NameType(str(f, "Type")), LastName: str(f, "LastName"), FirstName: str(f, "FirstName"),
		MiddleName: str(f, "MiddleName"), Title: str(f, "Title"), Suffix: str(f, "Suffix")}
	if n.Type == contactd.NameTrade || n.Formatted() == "" {
		n.Unformatted = str(f, "Formatted") // a trade name is its Formatted
	}
	if n.Type == contactd.NameLegal {
		err = contactd.ValidateLegalName(n)
	} else {
		individual := false
		if n.Type == contactd.NamePreferred && rr.profile != nil {
			if individual, err = contactd.IndividualProfile(rr.profile); err != nil {
				return refuse("", contactd.EV1100, err.Error())
			}
		}
		err = contactd.ValidateNewName(n, individual)
	}
	if err == nil {
		return nil
	}
	field := errorField(err)
	detail := ""
	switch {
	case field == "Unformatted":
		field = "Formatted" // the read's name for it
	case field == "Type" && n.Type == contactd.NamePreferred:
		detail = "a PREFER name is for an individual (EntityType INDVDL) only"
	}
	return refuse(join(at, field), contactd.ErrorCode(err), detail)
}

// checkAddress applies ValidateAddress: the type of the owner's level, the
// required fields, and the country's rules (ADR102, naming the address).
// The read shows no DPID: an address given by one is held, and checked,
// as the address it resolved to.
func (rr recordRules) checkAddress(p *fastjson.Parser, r contactd.Record, at string) error {
	f, err := fields(p, r, at)
	if err != nil {
		return err
	}
	a := contactd.Address{Type: contactd.AddressType(str(f, "Type")), Street: str(f, "Street"), Street2: str(f, "Street2"),
		Unit: str(f, "Unit"), UnitType: str(f, "UnitType"), City: str(f, "City"), State: str(f, "State"),
		PostCode: str(f, "PostCode"), Country: str(f, "Country"), Attention: str(f, "Attention"),
		Urbanisation: str(f, "Urbanisation"), District: str(f, "District"), SubDistrict: str(f, "SubDistrict"),
		SubProvince: str(f, "SubProvince")}
	err = contactd.ValidateAddress(a, rr.account)
	if err == nil {
		return nil
	}
	code, field := contactd.ErrorCode(err), errorField(err)
	switch {
	case code != contactd.EV1100:
		return refuse(at, code, "")
	case field == "Address": // Street, City or Country empty
		for _, f := range []struct{ name, value string }{{"Street", a.Street}, {"City", a.City}, {"Country", a.Country}} {
			if f.value == "" {
				return refuse(join(at, f.name), code, "")
			}
		}
	}
	return refuse(join(at, field), code, "")
}

// checkBank applies ValidateShownBankAccount to an account's refund bank
// account.
func checkBank(p *fastjson.Parser, r contactd.Record, at string) error {
	f, err := fields(p, r, at)
	if err != nil {
		return err
	}
	err = contactd.ValidateShownBankAccount(str(f, "BankAccount"), str(f, "NameOnBankAccount"))
	if err == nil {
		return nil
	}
	if contactd.ErrorCode(err) == contactd.EV1100 {
		return refuse(join(at, "NameOnBankAccount"), contactd.EV1100, "")
	}
	return refuse(join(at, "BankAccount"), contactd.ErrorCode(err), "")
}

// fields parses a record's fields (checked by the schema) with fastjson,
// as the contacts are: a fraction of encoding/json's cost into a struct,
// on the path every line takes.
func fields(p *fastjson.Parser, r contactd.Record, at string) (*fastjson.Value, error) {
	v, err := p.ParseBytes(r.Fields)
	if err != nil {
		return nil, refuse(at, contactd.EV1100, err.Error())
	}
	return v, nil
}

// errorField is the field a *contactd.Error names, "" for another error.
func errorField(err error) string {
	var e *contactd.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

package contactd

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/encoding/charmap"
)

// Name API rules: SUITE.md ruling 3 and api/name-2023-07-27.yaml.

// NameType is the type of a customer's name.
type NameType string

// The name types. The Name API creates PREFER and DBACST names (its YAML's
// enum); LGL, the legal name, is shown by the Customer read and exists from
// the customer's creation.
const (
	NameLegal     NameType = "LGL"
	NamePreferred NameType = "PREFER" // a name an individual prefers to be called by
	NameTrade     NameType = "DBACST" // "doing business as", a trade name
)

// Name is a name of a customer. A trade name (and a legal name) is held in
// Unformatted; a preferred name in the parts LastName, MiddleName,
// FirstName, Title and Suffix.
type Name struct {
	ID          int64
	Type        NameType
	Unformatted string
	LastName    string
	MiddleName  string
	FirstName   string
	Title       string
	Suffix      string
}

// Formatted is the name on one line, as the Customer read shows it:
// Unformatted when set, else Title, FirstName, MiddleName, LastName and
// Suffix separated by spaces.
func (n Name) Formatted() string {
	if n.Unformatted != "" {
		return n.Unformatted
	}
	var parts []string
	for _, p := range []string{n.Title, n.FirstName, n.MiddleName, n.LastName, n.Suffix} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, " ")
}

// ValidateNewName applies the rules of a name POST for a customer
// (individual or not) after the schema, in this order:
//
//   - LGL: NAM102 ("Cannot use this service to manage a Legal name."; the
//     YAML lists it on POST, PUT and DELETE). The schema's enum refuses LGL
//     first (EV1100 naming Type), so this guards callers that skip it.
//   - A type other than PREFER and DBACST: EV1100 naming Type.
//   - PREFER for a customer that is not an individual: EV1100 naming Type
//     (ruling 3: "PREFER only for individuals"; as with an address type of
//     the wrong level, the type is not valid for this customer).
//   - the fields of the type, as ValidateNameFields checks them.
//
// A second live name of the type (NAM101) is the store's rule.
func ValidateNewName(n Name, individual bool) error {
	switch n.Type {
	case NameLegal:
		return Errorf(NAM102, "")
	case NamePreferred:
		if !individual {
			return Errorf(EV1100, "Type")
		}
	case NameTrade:
	default:
		return Errorf(EV1100, "Type")
	}
	return ValidateNameFields(n)
}

// ValidateNameUpdate applies the rules of a name PUT: n carries the new
// fields and the Type of the name it updates. Updating the legal name is
// NAM102; the fields are then checked as ValidateNameFields does.
func ValidateNameUpdate(n Name) error {
	if n.Type == NameLegal {
		return Errorf(NAM102, "")
	}
	return ValidateNameFields(n)
}

// CanDeleteName reports whether a name of type t may be deleted: the legal
// name may not (NAM100, "A name of this type cannot be deleted. Please
// update instead.", ruling 3 and TEST-DETAILS.md); every other may.
func CanDeleteName(t NameType) error {
	if t == NameLegal {
		return Errorf(NAM100, "")
	}
	return nil
}

// ValidateNameFields checks the fields of a PREFER or DBACST name, as the
// YAML describes them: a trade name is Unformatted (required), and its
// name parts "need to be omitted or blank"; a preferred name is its parts
// (LastName or FirstName required) and its Unformatted must be blank. Every
// field "must be in the EBCDIC character set" (code page 037, printable
// characters only). A field that breaks a rule is EV1100 naming it.
func ValidateNameFields(n Name) error {
	parts := n.parts()
	switch n.Type {
	case NameTrade:
		if strings.TrimSpace(n.Unformatted) == "" {
			return Errorf(EV1100, "Unformatted")
		}
		for _, p := range parts {
			if p.value != "" {
				return Errorf(EV1100, p.name)
			}
		}
	case NamePreferred:
		if n.Unformatted != "" {
			return Errorf(EV1100, "Unformatted")
		}
		if strings.TrimSpace(n.LastName) == "" && strings.TrimSpace(n.FirstName) == "" {
			return Errorf(EV1100, "LastName")
		}
	default:
		return Errorf(EV1100, "Type")
	}
	return ebcdicFields(n)
}

// ValidateLegalName checks a customer's legal (LGL) name, which the Name
// API neither creates nor changes (NAM102) but an import loads: it is
// either its Unformatted name (an organisation's, as the published Customer
// sample shows it) or its parts (a person's: LastName or FirstName
// non-blank), not both, and every field is EBCDIC as ValidateNameFields
// requires. A field that breaks a rule is EV1100 naming it.
func ValidateLegalName(n Name) error {
	hasParts := false
	for _, p := range n.parts() {
		hasParts = hasParts || p.value != ""
	}
	switch {
	case !hasParts && strings.TrimSpace(n.Unformatted) == "":
		return Errorf(EV1100, "Unformatted")
	case hasParts && n.Unformatted != "":
		return Errorf(EV1100, "Unformatted")
	case hasParts && strings.TrimSpace(n.LastName) == "" && strings.TrimSpace(n.FirstName) == "":
		return Errorf(EV1100, "LastName")
	}
	return ebcdicFields(n)
}

// namePart is one field of a name with its published name.
type namePart struct{ name, value string }

// parts are the name's parts, in the order the rules name them.
func (n Name) parts() []namePart {
	return []namePart{
		{"LastName", n.LastName}, {"MiddleName", n.MiddleName}, {"FirstName", n.FirstName},
		{"Title", n.Title}, {"Suffix", n.Suffix},
	}
}

// ebcdicFields is EV1100 naming the first field of n that is not EBCDIC.
func ebcdicFields(n Name) error {
	for _, p := range append(n.parts(), namePart{"Unformatted", n.Unformatted}) {
		if !ebcdic(p.value) {
			return Errorf(EV1100, p.name)
		}
	}
	return nil
}

// ebcdic reports whether every character of s is a printable character of
// EBCDIC code page 037, the Latin-1 repertoire IRD's systems hold names in.
func ebcdic(s string) bool {
	for _, r := range s {
		if _, ok := charmap.CodePage037.EncodeRune(r); !ok || unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// nameFields are a name's fields as the Customer read shows them, in the
// published order (NameID and Updated are the record's).
type nameFields struct {
	Type       NameType
	LastName   string
	FirstName  string
	MiddleName string
	Title      string
	Suffix     string
	Formatted  string
}

// Record is the name as a record: its type is the key.
func (n Name) Record() (Record, error) {
	fields, err := recordFields(nameFields{n.Type, n.LastName, n.FirstName, n.MiddleName, n.Title, n.Suffix, n.Formatted()})
	return Record{ID: n.ID, Kind: KindName, Key: string(n.Type), Fields: fields}, err
}

// entityIndividual is the EntityType of a person.
const entityIndividual = "INDVDL"

// individual reports whether the customer is a person, from its profile.
func (s *Service) individual(ctx context.Context, id CustomerID) (bool, error) {
	c, err := s.Store.Customer(ctx, id)
	if err != nil {
		return false, err
	}
	individual, err := IndividualProfile(c.Profile)
	if err != nil {
		return false, fmt.Errorf("customer %s: %w", id.Value, err)
	}
	return individual, nil
}

// IndividualProfile reports whether a customer's stored profile is a
// person's (EntityType INDVDL), whom alone a PREFER name is for.
func IndividualProfile(profile json.RawMessage) (bool, error) {
	var p struct{ EntityType string }
	if err := json.Unmarshal(profile, &p); err != nil {
		return false, fmt.Errorf("profile: %w", err)
	}
	return p.EntityType == entityIndividual, nil
}

// CreateName adds a preferred or trade name to a customer: NAM101 when it
// has a live name of that type.
func (s *Service) CreateName(ctx context.Context, ch Change, customer CustomerID, n Name) (int64, error) {
	return s.PutRecord(ctx, ch, OwnerRef{Customer: customer}, KindName, Refuse, func(o Owner) (Record, error) {
		individual, err := s.individual(ctx, o.Customer)
		if err != nil {
			return Record{}, err
		}
		if err := ValidateNewName(n, individual); err != nil {
			return Record{}, err
		}
		return n.Record()
	})
}

// UpdateName replaces the parts of the name n.ID; its type stays.
func (s *Service) UpdateName(ctx context.Context, ch Change, n Name) error {
	return s.UpdateRecord(ctx, ch, KindName, n.ID, func(_ Owner, old Record) (Record, error) {
		n.Type = NameType(old.Key)
		if err := ValidateNameUpdate(n); err != nil {
			return Record{}, err
		}
		return n.Record()
	})
}

// DeleteName ceases a name: NAM100 for the legal name.
func (s *Service) DeleteName(ctx context.Context, ch Change, nameID int64) error {
	return s.CeaseRecord(ctx, ch, KindName, nameID, func(_ Owner, r Record) error {
		return CanDeleteName(NameType(r.Key))
	})
}

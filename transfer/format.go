// Package transfer reads and writes customers as JSON lines, the format of
// `contactd import` and `contactd export` (docs/data.md): one
// customer a line, its fields those of the customer read's answer (the
// published Customer object) plus "Accounts", each account's fields those
// of the account read's answer (the published Account object).
//
// A line is written by the reads' own writer (package http's CustomerJSON
// and AccountJSON) and read back through the reads' own map of records
// (http.RecordViews): the fields contactd manages become typed values
// (identifiers, contacts and phones) or records (names, addresses, BIC
// codes, the bank account, with their IDs and Updated where the reads show
// them), and every other published field is the customer's or account's
// profile. A kind of record added to the reads is imported and exported
// with no change here.
package transfer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/contactd/contactd"
	"github.com/contactd/contactd/api"
	contacthttp "github.com/contactd/contactd/http"
	"github.com/contactd/contactd/sandbox"
	"github.com/valyala/fastjson"
)

// FieldError is a line refused: the field at fault (a path such as
// Accounts[1].Contact[0].Phone[2].PhoneNumber, or a bare field name where
// the published schema rejected the line) and the published error code the
// API would answer, with a detail for the operator where the code alone
// does not say what is wrong.
type FieldError struct {
	Field  string
	Code   contactd.Code
	Detail string
}

func (e *FieldError) Error() string {
	msg := string(e.Code) + " " + e.Code.Message()
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	if e.Field == "" {
		return msg
	}
	return e.Field + ": " + msg
}

// fieldError is err as a *FieldError: itself when it is one, else EV1100
// naming field.
func fieldError(err error, field string) *FieldError {
	var fe *FieldError
	if errors.As(err, &fe) {
		return fe
	}
	return refuse(field, contactd.EV1100, err.Error())
}

func refuse(field string, code contactd.Code, detail string) *FieldError {
	return &FieldError{Field: field, Code: code, Detail: detail}
}

// The fields contactd manages; every other field of a line is profile.
const (
	fieldID          = "ID"
	fieldIDType      = "IDType"
	fieldAccountType = "AccountType"
	fieldContact     = "Contact"
)

// ParseOptions says how Parse checks a line.
type ParseOptions struct {
	// IRD is the rule for IRD numbers: its zero value, production's,
	// applies the check digit to every number; sandbox.IRDRule() lets the
	// sandbox personas' numbers through, as serve --sandbox does.
	IRD contactd.IRDRule
	// Published, if set, accepts a name, address, BIC code or bank
	// account that the API's rules refuse when it reports true for it:
	// sandbox.PublishedRecord lets the personas' records through (the
	// published samples hold a few values the rules refuse), as IRD lets
	// their numbers through. Production leaves it nil.
	Published func(contactd.Record) bool
}

// Parse reads one line into a record. The line is checked against the
// published schemas (api.RecordSchema: types, lengths, enums, required
// fields) and then with the API's rules: the IRD check digit, one live
// contact per owner and type, 1 to 5 phones, each phone valid for its
// country, no contact or phone ID given twice, no contacts on an
// ineligible account type, and the rules of the Name, Address, BIC and
// Bank APIs for the records (recordRules), one live record per owner,
// kind and key. A refused line is a *FieldError. The schema
// requires every ContactID, PhoneID and Updated, so a line says them all.
func Parse(line []byte, opts ParseOptions) (contactd.CustomerRecord, error) {
	var r contactd.CustomerRecord
	if field := api.RecordSchema().Validate(line); field != "" {
		return r, refuse(field, contactd.EV1100, "")
	}
	// The line is valid JSON of the published shape from here on.
	p := parsers.Get()
	defer parsers.Put(p)
	var idType, id string
	var contacts []*fastjson.Value
	var accounts [][]byte
	var recs recordReader
	profile, err := splitObject(line, func(key string, value []byte) (bool, error) {
		switch key {
		case fieldID:
			return true, unquote(value, &id)
		case fieldIDType:
			return true, unquote(value, &idType)
		case fieldContact:
			v, err := p.ParseBytes(value)
			if err != nil {
				return true, err
			}
			contacts, err = v.Array()
			return true, err
		case api.RecordAccountsField:
			return true, eachElement(value, func(a []byte) { accounts = append(accounts, a) })
		}
		return recs.take(key, value)
	})
	if err != nil {
		return r, refuse("", contactd.EV1100, err.Error())
	}
	cid, err := opts.IRD.ParseCustomerID(contactd.CustomerIDType(idType), id)
	if err != nil {
		return r, refuse(fieldID, contactd.ErrorCode(err), "")
	}
	ids := make(map[int64]bool)
	records, err := recs.records("", ids, recordRules{profile: profile, published: opts.Published})
	if err != nil {
		return r, err
	}
	r.Customer = contactd.Customer{ID: cid, Profile: profile, Records: records}
	if r.Contacts, err = parseContacts(fieldContact, contacts, ids); err != nil {
		return r, err
	}
	seen := make(map[string]bool, len(accounts))
	for i, raw := range accounts {
		path := api.RecordAccountsField + "[" + strconv.Itoa(i) + "]"
		a, err := parseAccount(path, raw, cid, ids, opts)
		if err != nil {
			return r, err
		}
		if seen[a.Account.ID] {
			return r, refuse(path+"."+fieldID, contactd.EV1100, "account given twice")
		}
		seen[a.Account.ID] = true
		r.Accounts = append(r.Accounts, a)
	}
	return r, nil
}

// views are how the reads show records: a line's record fields are read
// back through them.
var views = contacthttp.RecordViews()

// recordReader collects an owner's record fields while its object is
// split, and makes them records once it is.
type recordReader struct {
	arrays  []recordArray
	spliced map[contactd.Kind][]byte // the spliced fields of a kind, as an object being built
}

type recordArray struct {
	field string
	kind  contactd.Kind
	value []byte
}

// take keeps the field when a kind of record shows in it.
func (rr *recordReader) take(key string, value []byte) (bool, error) {
	for kind, v := range views {
		if v.Field == key {
			rr.arrays = append(rr.arrays, recordArray{key, kind, value})
			return true, nil
		}
		if slices.Contains(v.Spliced, key) {
			if rr.spliced == nil {
				rr.spliced = map[contactd.Kind][]byte{}
			}
			obj := rr.spliced[kind]
			if obj == nil {
				obj = []byte{'{'}
			} else {
				obj = append(obj, ',')
			}
			obj = strconv.AppendQuote(obj, key)
			obj = append(obj, ':')
			rr.spliced[kind] = appendCompact(obj, value)
			return true, nil
		}
	}
	return false, nil
}

// records makes the records, at path (an account's "Accounts[i].", "" for
// the customer), and checks them with rules; ids holds the line's IDs so
// far.
func (rr *recordReader) records(path string, ids map[int64]bool, rules recordRules) ([]contactd.Record, error) {
	var out []contactd.Record
	held := map[recordSlot]bool{}
	for _, arr := range rr.arrays {
		v := views[arr.kind]
		i := 0
		err := each(arr.value, '[', ']', func(_, element []byte) error {
			at := path + arr.field + "[" + strconv.Itoa(i) + "]"
			i++
			r, err := recordOf(arr.kind, v, element, at)
			if err != nil {
				return err
			}
			if r.ID != 0 {
				if ids[r.ID] {
					return refuse(at+"."+v.IDField, contactd.EV1100, "ID "+strconv.FormatInt(r.ID, 10)+" given twice")
				}
				ids[r.ID] = true
			}
			if err := rules.check(r, at); err != nil {
				return err
			}
			slot := recordSlot{kind: r.Kind, key: r.Key}
			if held[slot] {
				code := r.Kind.Conflict() // NAM101, ADR101
				if code == contactd.EU6001 {
					code = contactd.EV1100
				}
				return refuse(at+"."+v.KeyField, code, "the "+string(r.Kind)+" "+strconv.Quote(r.Key)+" given twice")
			}
			held[slot] = true
			out = append(out, r)
			return nil
		})
		if err != nil {
			return nil, fieldError(err, path+arr.field)
		}
	}
	for kind, obj := range rr.spliced {
		r := contactd.Record{Kind: kind, Fields: append(obj, '}')}
		if err := rules.check(r, strings.TrimSuffix(path, ".")); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// recordOf reads one element of a record array: its ID and Updated, when
// the kind shows them, and its other fields, compacted and as written.
func recordOf(kind contactd.Kind, v contacthttp.RecordView, element []byte, at string) (contactd.Record, error) {
	r := contactd.Record{Kind: kind}
	fields := []byte{'{'}
	err := eachMember(element, func(rawKey, value []byte) error {
		key := string(rawKey[1 : len(rawKey)-1])
		switch {
		case key == v.IDField && v.IDField != "":
			id, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil || id <= 0 || id > contactd.MaxID {
				return refuse(at+"."+key, contactd.EV1100, "")
			}
			r.ID = id
			return nil
		case key == "Updated" && v.Updated:
			var s string
			if err := unquote(value, &s); err != nil {
				return refuse(at+"."+key, contactd.EV1100, "")
			}
			t, err := contactd.ParseUpdated(s)
			if err != nil {
				return refuse(at+"."+key, contactd.EV1100, "want "+contactd.UpdatedLayout+", New Zealand time")
			}
			r.Updated = t
			return nil
		case key == v.KeyField:
			if err := unquote(value, &r.Key); err != nil {
				return refuse(at+"."+key, contactd.EV1100, "")
			}
		}
		fields = appendMember(fields, rawKey, value)
		return nil
	})
	if err != nil {
		return r, fieldError(err, at)
	}
	r.Fields = append(fields, '}')
	return r, nil
}

// parsers parse the contacts of a line: fastjson, already in the build
// (package sqlite reads contacts with it), at a fraction of
// encoding/json's cost.
var parsers fastjson.ParserPool

func parseAccount(path string, raw []byte, customer contactd.CustomerID, ids map[int64]bool, opts ParseOptions) (contactd.AccountRecord, error) {
	var a contactd.AccountRecord
	var contacts []*fastjson.Value
	var recs recordReader
	p := parsers.Get()
	defer parsers.Put(p)
	acc := contactd.Account{Customer: customer}
	profile, err := splitObject(raw, func(key string, value []byte) (bool, error) {
		switch key {
		case fieldID:
			return true, unquote(value, &acc.ID)
		case fieldIDType:
			return true, unquote(value, &acc.IDType)
		case fieldAccountType:
			return true, unquote(value, &acc.Type)
		case fieldContact:
			v, err := p.ParseBytes(value)
			if err != nil {
				return true, err
			}
			contacts, err = v.Array()
			return true, err
		}
		return recs.take(key, value)
	})
	if err != nil {
		return a, refuse(path, contactd.EV1100, err.Error())
	}
	acc.Profile = profile
	if acc.Records, err = recs.records(path+".", ids, recordRules{account: true, published: opts.Published}); err != nil {
		return a, err
	}
	// An ACC account's type is the letters of its ID (132243158INC002 is
	// INC); a complying fund's (CMPF) or KiwiSaver scheme's (KSF) ID does
	// not name it, so the line's AccountType stands.
	switch acc.IDType {
	case contactd.AccountIDTypeACC:
		if err := contactd.CheckAccountID(acc.ID); err != nil {
			return a, refuse(path+"."+fieldID, contactd.EV1100, err.Error())
		}
		if want := sandbox.AccountType(acc.ID); acc.Type != want {
			return a, refuse(path+"."+fieldAccountType, contactd.EV1100, fmt.Sprintf("the account ID names type %q", want))
		}
	case contactd.AccountIDTypeCMPF, contactd.AccountIDTypeKSF:
	default:
		return a, refuse(path+"."+fieldIDType, contactd.EV1100, "want one of "+strings.Join(contactd.AccountIDTypes(), ", "))
	}
	if err := contactd.CheckAccountType(acc.Type); err != nil {
		return a, refuse(path+"."+fieldAccountType, contactd.EV1100, err.Error())
	}
	a.Account = acc
	if a.Contacts, err = parseContacts(path+"."+fieldContact, contacts, ids); err != nil {
		return a, err
	}
	if len(a.Contacts) > 0 && !contactd.AccountTypeEligible(acc.Type) {
		return a, refuse(path+"."+fieldContact, contactd.ACT100, "")
	}
	return a, nil
}

// str is the string field of a validated object, "" when absent.
func str(v *fastjson.Value, field string) string { return string(v.GetStringBytes(field)) }

// parseContacts reads one owner's contacts, which the schema has checked;
// ids holds the line's contact and phone IDs so far, so that none is given
// twice.
func parseContacts(path string, values []*fastjson.Value, ids map[int64]bool) ([]contactd.Contact, error) {
	contacts := make([]contactd.Contact, 0, len(values))
	var types []contactd.ContactType
	newID := func(field string, id int64) error {
		if ids[id] {
			return refuse(field, contactd.EV1100, "ID "+strconv.FormatInt(id, 10)+" given twice")
		}
		ids[id] = true
		return nil
	}
	for i, cv := range values {
		at := path + "[" + strconv.Itoa(i) + "]"
		c := contactd.Contact{ID: cv.GetInt64("ContactID"), Type: contactd.ContactType(str(cv, "ContactType")), Name: str(cv, "Name")}
		if err := newID(at+".ContactID", c.ID); err != nil {
			return nil, err
		}
		for _, t := range types {
			if t == c.Type {
				return nil, refuse(at+".ContactType", contactd.CNT101, "")
			}
		}
		types = append(types, c.Type)
		t, err := contactd.ParseUpdated(str(cv, "Updated"))
		if err != nil {
			return nil, refuse(at+".Updated", contactd.EV1100, "want "+contactd.UpdatedLayout+", New Zealand time")
		}
		c.Updated = t
		phones := cv.GetArray("Phone")
		if n := len(phones); n < contactd.MinPhones || n > contactd.MaxPhones {
			return nil, refuse(at+".Phone", contactd.CNT103, "")
		}
		for j, pv := range phones {
			pat := at + ".Phone[" + strconv.Itoa(j) + "]"
			p := contactd.Phone{ID: pv.GetInt64("PhoneID"), Type: contactd.PhoneType(str(pv, "PhoneType")), Country: str(pv, "Country"),
				AreaCode: str(pv, "AreaCode"), Number: str(pv, "PhoneNumber"), Extension: str(pv, "Extension")}
			if err := newID(pat+".PhoneID", p.ID); err != nil {
				return nil, err
			}
			if err := contactd.ValidatePhone(p); err != nil {
				return nil, refuse(pat, contactd.ErrorCode(err), "")
			}
			c.Phones = append(c.Phones, p)
		}
		contacts = append(contacts, c)
	}
	return contacts, nil
}

// splitObject walks the members of the JSON object obj, which the schema
// has checked, in order: those that managed takes are its own, every
// other one is copied, compacted and byte for byte otherwise, into the
// profile object it returns.
func splitObject(obj []byte, managed func(key string, value []byte) (bool, error)) (json.RawMessage, error) {
	profile := make([]byte, 0, len(obj))
	profile = append(profile, '{')
	err := eachMember(obj, func(rawKey, value []byte) error {
		key := string(rawKey[1 : len(rawKey)-1])
		if bytes.IndexByte(rawKey, '\\') >= 0 {
			if err := json.Unmarshal(rawKey, &key); err != nil {
				return err
			}
		}
		taken, err := managed(key, value)
		if err != nil {
			return fmt.Errorf("%s: %w", key, err)
		}
		if taken {
			return nil
		}
		profile = appendMember(profile, rawKey, value)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return append(profile, '}'), nil
}

// The scanning below walks JSON that is already known to be valid (the
// schema's validator parsed it): it finds where members and elements
// begin and end and keeps their bytes as written, which neither
// encoding/json (its Decoder's tokens cost as much as the rest of an
// import's checks) nor fastjson (it writes strings back in its own
// escaping, so an export would not import to the same bytes) offers.

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// endOfValue returns the index just after the JSON value starting at i.
func endOfValue(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			i = stringEnd(b, i)
			if depth == 0 {
				return i
			}
			i-- // the loop's i++ moves past the closing quote
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1
			}
			if depth < 0 {
				return i
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

// stringEnd returns the index just after the JSON string whose opening
// quote is at b[i]. Most of a line's bytes are in strings: bytes.IndexByte
// finds their ends many bytes at a time.
func stringEnd(b []byte, i int) int {
	for j := i + 1; ; j++ {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return len(b)
		}
		j += k
		// a quote after an odd number of backslashes is escaped
		n := 0
		for p := j - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return j + 1
		}
	}
}

// appendMember appends "key":value, compacted, to the object being built
// in obj (which holds at least its opening brace).
func appendMember(obj, rawKey, value []byte) []byte {
	if len(obj) > 1 {
		obj = append(obj, ',')
	}
	obj = append(obj, rawKey...)
	obj = append(obj, ':')
	return appendCompact(obj, value)
}

// appendCompact appends the valid JSON value v without the whitespace
// between its tokens (json.Compact, without its validation: a tenth of
// Parse's cost).
func appendCompact(dst, v []byte) []byte {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case ' ', '\t', '\n', '\r':
		case '"':
			e := stringEnd(v, i)
			dst = append(dst, v[i:e]...)
			i = e - 1
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// unquote sets *dst to the JSON string v: as it is written when it holds
// no escape (nearly always, and a fifth of the cost of encoding/json),
// else as encoding/json reads it.
func unquote(v []byte, dst *string) error {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && bytes.IndexByte(v, '\\') < 0 {
		*dst = string(v[1 : len(v)-1])
		return nil
	}
	return json.Unmarshal(v, dst)
}

// eachMember calls fn with each member of the object at the start of b:
// its key, quotes included, and its value.
func eachMember(b []byte, fn func(key, value []byte) error) error { return each(b, '{', '}', fn) }

// eachElement calls fn with each element of the array at the start of b.
func eachElement(b []byte, fn func(element []byte)) error {
	return each(b, '[', ']', func(_, element []byte) error { fn(element); return nil })
}

var (
	errNotObject = errors.New("not a JSON object")
	errNotArray  = errors.New("not a JSON array")
)

// each walks the object (open '{') or array (open '[') at the start of b,
// calling fn with each member's key and value, or each element (key nil).
func each(b []byte, open, close byte, fn func(key, value []byte) error) error {
	bad := errNotArray
	if open == '{' {
		bad = errNotObject
	}
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != open {
		return bad
	}
	for i++; ; {
		i = skipSpace(b, i)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
		if i >= len(b) || b[i] == close {
			return nil
		}
		var key []byte
		if open == '{' {
			k := endOfValue(b, i)
			key = b[i:k]
			if i = skipSpace(b, k); i >= len(b) || b[i] != ':' {
				return bad
			}
			i = skipSpace(b, i+1)
		}
		v := endOfValue(b, i)
		if err := fn(key, b[i:v]); err != nil {
			return err
		}
		i = v
	}
}

// Append appends r's line, ending in a newline, to dst: the customer as
// the customer read answers it (package http's CustomerJSON: its fields,
// records and contacts in the published order), with "Accounts" added, each
// account as the account read answers it.
func Append(dst []byte, r contactd.CustomerRecord) ([]byte, error) {
	c, err := contacthttp.CustomerJSON(r.Customer, r.Contacts)
	if err != nil {
		return dst, err
	}
	dst = append(dst, c[:len(c)-1]...)
	dst = append(dst, `,"`+api.RecordAccountsField+`":[`...)
	for i, a := range r.Accounts {
		if i > 0 {
			dst = append(dst, ',')
		}
		b, err := contacthttp.AccountJSON(a.Account, a.Contacts)
		if err != nil {
			return dst, err
		}
		dst = append(dst, b...)
	}
	return append(dst, "]}\n"...), nil
}

package http

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/contactd/contactd"
	"github.com/valyala/fastjson"
)

// How the read APIs show records. A customer or account is answered as its
// head fields (ID, IDType, ...), then its fields in the order of the
// published samples: each one from the live records where an update API
// manages it, else from the stored profile. Profile fields the order does
// not name follow, as stored.

// customerOrder and accountOrder are the fields of the published Customer
// and Account samples after their head, in the samples' order (which is not
// the YAML's: where they differ the samples show what the gateway sends).
var (
	customerOrder = []string{"NZBN", "EntityType", "EntitySubType", "Commence", "Cease", "BIC", "Indicator", "Address", "Name", "Contact"}
	accountOrder  = []string{"FilingFrequency", "Status", "FilingChannel", "BankAccount", "NameOnBankAccount", "Commence", "Cease", "Address", "Contact", "INC", "WFFTC", "GST"}
)

// recordView says how a kind of record shows in a read.
type recordView struct {
	// field is the array the records of the kind fill, one element each;
	// "" when the record's fields are spliced into the parent object
	// itself (a bank account's BankAccount and NameOnBankAccount).
	field string
	// idField names the record's ID in its element, "" when the published
	// shape shows none.
	idField string
	// updated says whether the element ends with the record's Updated.
	updated bool
	// show lists the record's fields the read shows, in order; nil shows
	// every field as stored.
	show []string
	// keys orders the elements by their record's key, in the order the
	// published samples show the types (LOC before MAL); records of the
	// same key, and of keys it does not list, follow in ID order.
	keys []string
}

var recordViews = map[contactd.Kind]recordView{
	contactd.KindName: {field: "Name", idField: "NameID", updated: true,
		keys: []string{"LGL", "PREFER", "DBACST"}},
	contactd.KindAddress: {field: "Address", idField: "AddressID", updated: true,
		show: []string{"Type", "Street", "Street2", "Unit", "UnitType", "City", "State", "PostCode", "Country",
			"Attention", "Urbanisation", "District", "SubDistrict", "SubProvince", "Formatted"},
		keys: []string{"LOC", "MAL", "PRFLOC", "PRFMAL"}},
	contactd.KindBIC:  {field: "BIC", show: []string{"BICCode"}},
	contactd.KindBank: {show: []string{"BankAccount", "NameOnBankAccount"}},
}

// The arrays a customer's and an account's read always carry, empty when
// there is nothing to show: "Contact":[] as the Contact API has always
// answered, and the record arrays alike.
var (
	customerArrays = []string{"BIC", "Address", "Name", "Contact"}
	accountArrays  = []string{"Address", "Contact"}
)

// keyRank is the place of a record's key in its view's order.
func keyRank(r contactd.Record) int {
	keys := recordViews[r.Kind].keys
	if i := slices.Index(keys, r.Key); i >= 0 {
		return i
	}
	return len(keys)
}

// recordFields are the fields records manage: never taken from a stored
// profile, so that a read shows exactly the live records.
var recordFields = func() map[string]bool {
	m := map[string]bool{}
	for _, v := range recordViews {
		if v.field != "" {
			m[v.field] = true
		}
		if v.field == "" {
			for _, f := range v.show {
				m[f] = true
			}
		}
	}
	return m
}()

// viewParsers parse stored profiles and record fields on the read path.
var viewParsers fastjson.ParserPool

// managedFields renders records into the JSON values of the fields they
// manage: an array per kind that fills one, and the fields of a kind
// spliced into the parent. Records come in ID order and stay in it.
func managedFields(records []contactd.Record) (map[string][]byte, error) {
	fields := map[string][]byte{}
	p := viewParsers.Get()
	defer viewParsers.Put(p)
	records = slices.Clone(records)
	slices.SortStableFunc(records, func(a, b contactd.Record) int {
		if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
			return c // each kind fills a field of its own: their relative order is free
		}
		return cmp.Compare(keyRank(a), keyRank(b))
	})
	for _, r := range records {
		view, ok := recordViews[r.Kind]
		if !ok {
			return nil, fmt.Errorf("read: a record of unknown kind %q", r.Kind)
		}
		obj, err := p.ParseBytes(r.Fields)
		if err != nil {
			return nil, fmt.Errorf("read: record %d: %w", r.ID, err)
		}
		o, err := obj.Object()
		if err != nil {
			return nil, fmt.Errorf("read: record %d: %w", r.ID, err)
		}
		if view.field == "" {
			for _, name := range view.show {
				if v := o.Get(name); v != nil {
					fields[name] = v.MarshalTo(nil)
				}
			}
			continue
		}
		var b bytes.Buffer
		b.WriteByte('{')
		sep := func() {
			if b.Len() > 1 {
				b.WriteByte(',')
			}
		}
		if view.idField != "" {
			b.WriteString(`"` + view.idField + `":` + strconv.FormatInt(r.ID, 10))
		}
		if view.show == nil {
			o.Visit(func(k []byte, v *fastjson.Value) {
				sep()
				b.WriteString(strconv.Quote(string(k)) + ":")
				b.Write(v.MarshalTo(nil))
			})
		} else {
			for _, name := range view.show {
				if v := o.Get(name); v != nil {
					sep()
					b.WriteString(strconv.Quote(name) + ":")
					b.Write(v.MarshalTo(nil))
				}
			}
		}
		if view.updated {
			sep()
			b.WriteString(`"Updated":"` + r.Updated.In(nzTime).Format(updatedLayout) + `"`)
		}
		b.WriteByte('}')
		if arr := fields[view.field]; arr != nil {
			fields[view.field] = append(arr[:len(arr)-1], ',')
		} else {
			fields[view.field] = []byte{'['}
		}
		fields[view.field] = append(append(fields[view.field], b.Bytes()...), ']')
	}
	return fields, nil
}

// writeRecord answers {"<wrapper>":{<head fields>,<fields in order>}}: the
// head, then every field of order from managed (the records and contacts)
// or, where managed has none, from the stored profile, then the profile's
// fields that order does not name, as stored. The profile's values are
// copied as stored, never decoded into Go values.
func writeRecord(w http.ResponseWriter, wrapper string, head []byte, profile json.RawMessage, order []string, managed map[string][]byte) error {
	p := viewParsers.Get()
	defer viewParsers.Put(p)
	var stored *fastjson.Object
	if len(bytes.TrimSpace(profile)) > 0 {
		v, err := p.ParseBytes(profile)
		if err != nil {
			return fmt.Errorf("read: profile: %w", err)
		}
		if stored, err = v.Object(); err != nil {
			return fmt.Errorf("read: profile: %w", err)
		}
	}
	var b bytes.Buffer
	b.Grow(len(head) + len(profile) + 1024)
	b.WriteString(`{"` + wrapper + `":`)
	b.Write(head[:len(head)-1]) // head without its closing brace
	field := func(name string, value []byte) {
		b.WriteString(`,"` + name + `":`)
		b.Write(value)
	}
	named := make(map[string]bool, len(order))
	for _, name := range order {
		named[name] = true
		if v, ok := managed[name]; ok {
			field(name, v)
		} else if stored != nil && !recordFields[name] {
			if v := stored.Get(name); v != nil {
				field(name, v.MarshalTo(nil))
			}
		}
	}
	if stored != nil {
		stored.Visit(func(k []byte, v *fastjson.Value) {
			if !named[string(k)] && !recordFields[string(k)] {
				field(string(k), v.MarshalTo(nil))
			}
		})
	}
	b.WriteString("}}")
	writeBody(w, http.StatusOK, b.Bytes())
	return nil
}

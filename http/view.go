package http

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/contactd/contactd"
	"github.com/valyala/fastjson"
)

// How the read APIs show records. A customer or account is answered as its
// head fields (ID, IDType, ...), then its fields in the order of the
// published samples: each one from the live records or the contacts where
// an update API manages it, else from the stored profile. Profile fields
// the order does not name follow, as stored. The answer is written straight
// into one buffer: this is the read path the performance targets measure.

// readShape is the field order of a read's answer and the arrays it always
// carries, empty when there is nothing to show.
type readShape struct {
	order  []string
	arrays []string
}

// The Customer and Account reads: the published samples' order (which is
// not the YAML's: where they differ the samples show what the gateway
// sends), "Contact":[] as the Contact API has always answered, and the
// record arrays alike.
var (
	customerShape = readShape{
		order:  []string{"NZBN", "EntityType", "EntitySubType", "Commence", "Cease", "BIC", "Indicator", "Address", "Name", "Contact"},
		arrays: []string{"BIC", "Address", "Name", "Contact"},
	}
	accountShape = readShape{
		order:  []string{"FilingFrequency", "Status", "FilingChannel", "BankAccount", "NameOnBankAccount", "Commence", "Cease", "Address", "Contact", "INC", "WFFTC", "GST"},
		arrays: []string{"Address", "Contact"},
	}
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
	// every field as stored, copied without a parse.
	show []string
	// keyField, when set, makes the element {"<keyField>": <key>}: the
	// record's key is all the published shape shows (a BIC code).
	keyField string
	// keys orders the elements by their record's key, in the order the
	// published samples show the types (LOC before MAL); records of the
	// same key, and of keys it does not list, follow in ID order.
	keys []string
	// keyIn is the field of the record's fields that is its key, where
	// the element shows more than the key (a name's or address's type).
	keyIn string
}

// recordViews are the kinds a read shows. Period records have no view: a
// read skips them, they are the Period API's alone.
var recordViews = map[contactd.Kind]recordView{
	contactd.KindName: {field: "Name", idField: "NameID", updated: true,
		keys: []string{"LGL", "PREFER", "DBACST"}, keyIn: "Type"},
	contactd.KindAddress: {field: "Address", idField: "AddressID", updated: true,
		keys: []string{"LOC", "MAL", "PRFLOC", "PRFMAL"}, keyIn: "Type"},
	contactd.KindBIC:  {field: "BIC", keyField: "BICCode"},
	contactd.KindBank: {show: []string{"BankAccount", "NameOnBankAccount"}},
}

// Which kind of record fills a field of a read: an array (arrayKinds) or
// a field spliced into the parent (splicedKinds). Never taken from a
// stored profile, so that a read shows exactly the live records.
var arrayKinds, splicedKinds = func() (map[string]contactd.Kind, map[string]contactd.Kind) {
	arrays, spliced := map[string]contactd.Kind{}, map[string]contactd.Kind{}
	for kind, v := range recordViews {
		if v.field != "" {
			arrays[v.field] = kind
			continue
		}
		for _, f := range v.show {
			spliced[f] = kind
		}
	}
	return arrays, spliced
}()

// keyRank is the place of a record's key in its view's order.
func keyRank(r contactd.Record) int {
	keys := recordViews[r.Kind].keys
	if i := slices.Index(keys, r.Key); i >= 0 {
		return i
	}
	return len(keys)
}

// viewParsers parse stored profiles and record fields on the read path;
// viewBuffers hold the answers being written.
var (
	viewParsers fastjson.ParserPool
	viewBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

// readWriter writes one read's answer.
type readWriter struct {
	b       *bytes.Buffer
	fields  *fastjson.Parser // for one record's fields at a time
	scratch []byte
}

// key writes ,"name": (or "name": first in an object).
func (rw *readWriter) key(first bool, name []byte) {
	if !first {
		rw.b.WriteByte(',')
	}
	rw.scratch = strconv.AppendQuote(rw.scratch[:0], string(name))
	rw.b.Write(rw.scratch)
	rw.b.WriteByte(':')
}

// value writes a parsed JSON value as it is.
func (rw *readWriter) value(v *fastjson.Value) {
	rw.scratch = v.MarshalTo(rw.scratch[:0])
	rw.b.Write(rw.scratch)
}

// element writes one record as an element of its kind's array.
func (rw *readWriter) element(r contactd.Record, view recordView) error {
	rw.b.WriteByte('{')
	first := true
	if view.keyField != "" {
		rw.key(true, []byte(view.keyField))
		rw.scratch = strconv.AppendQuote(rw.scratch[:0], r.Key)
		rw.b.Write(rw.scratch)
		rw.b.WriteByte('}')
		return nil
	}
	if view.idField != "" {
		rw.key(true, []byte(view.idField))
		rw.b.Write(strconv.AppendInt(rw.scratch[:0], r.ID, 10))
		first = false
	}
	if view.show == nil {
		// The stored fields are the published ones, in order, as compact
		// JSON (the domain's Record methods make them): copied as they are.
		inner := bytes.TrimSpace(r.Fields)
		if len(inner) < 2 || inner[0] != '{' || inner[len(inner)-1] != '}' {
			return fmt.Errorf("read: record %d: fields are not a JSON object", r.ID)
		}
		if inner = inner[1 : len(inner)-1]; len(inner) > 0 {
			if !first {
				rw.b.WriteByte(',')
			}
			rw.b.Write(inner)
			first = false
		}
	} else {
		v, err := rw.fields.ParseBytes(r.Fields)
		if err != nil {
			return fmt.Errorf("read: record %d: %w", r.ID, err)
		}
		o, err := v.Object()
		if err != nil {
			return fmt.Errorf("read: record %d: %w", r.ID, err)
		}
		for _, name := range view.show {
			if v := o.Get(name); v != nil {
				rw.key(first, []byte(name))
				rw.value(v)
				first = false
			}
		}
	}
	if view.updated {
		rw.key(first, []byte("Updated"))
		rw.b.WriteByte('"')
		rw.b.Write(r.Updated.In(contactd.NZ).AppendFormat(rw.scratch[:0], contactd.UpdatedLayout))
		rw.b.WriteByte('"')
	}
	rw.b.WriteByte('}')
	return nil
}

// spliced writes the field name of the owner's live record of the kind, if
// it has one, into the parent object.
func (rw *readWriter) spliced(records []contactd.Record, kind contactd.Kind, name string) error {
	for _, r := range records {
		if r.Kind != kind {
			continue
		}
		v, err := rw.fields.ParseBytes(r.Fields)
		if err != nil {
			return fmt.Errorf("read: record %d: %w", r.ID, err)
		}
		if f := v.Get(name); f != nil {
			rw.key(false, []byte(name))
			rw.value(f)
		}
	}
	return nil
}

// writeRead answers {"<wrapper>":{<head fields>,<fields in shape's order>}}:
// the head, then every field of the shape's order from the records, the
// contacts or, where no update API manages it, the stored profile, then
// the profile's fields the order does not name. Profile and record values
// are copied as stored, never decoded into Go values. records is sorted in
// place.
func writeRead(w http.ResponseWriter, wrapper string, head []byte, profile json.RawMessage, shape readShape,
	records []contactd.Record, contacts []contactd.Contact) error {
	byShape := func(a, b contactd.Record) int {
		if c := cmp.Compare(a.Kind, b.Kind); c != 0 {
			return c // each kind fills a field of its own: their relative order is free
		}
		return cmp.Compare(keyRank(a), keyRank(b))
	}
	if !slices.IsSortedFunc(records, byShape) {
		slices.SortStableFunc(records, byShape)
	}
	contactsJSON, err := json.Marshal(contactViews(contacts))
	if err != nil {
		return err
	}
	profiles, fields := viewParsers.Get(), viewParsers.Get()
	defer viewParsers.Put(profiles)
	defer viewParsers.Put(fields)
	var stored *fastjson.Object
	if len(bytes.TrimSpace(profile)) > 0 {
		v, err := profiles.ParseBytes(profile)
		if err != nil {
			return fmt.Errorf("read: profile: %w", err)
		}
		if stored, err = v.Object(); err != nil {
			return fmt.Errorf("read: profile: %w", err)
		}
	}
	b := viewBuffers.Get().(*bytes.Buffer)
	defer viewBuffers.Put(b)
	b.Reset()
	rw := readWriter{b: b, fields: fields, scratch: make([]byte, 0, 64)}
	b.WriteString(`{"` + wrapper + `":`)
	b.Write(head[:len(head)-1]) // head without its closing brace
	for _, name := range shape.order {
		switch kind, isArray := arrayKinds[name]; {
		case name == "Contact":
			rw.key(false, []byte(name))
			b.Write(contactsJSON)
		case isArray:
			start, n := b.Len(), 0
			rw.key(false, []byte(name))
			b.WriteByte('[')
			for _, r := range records {
				if r.Kind != kind {
					continue
				}
				if n > 0 {
					b.WriteByte(',')
				}
				if err := rw.element(r, recordViews[kind]); err != nil {
					return err
				}
				n++
			}
			b.WriteByte(']')
			if n == 0 && !slices.Contains(shape.arrays, name) {
				b.Truncate(start)
			}
		case splicedKinds[name] != "":
			if err := rw.spliced(records, splicedKinds[name], name); err != nil {
				return err
			}
		case stored != nil:
			if v := stored.Get(name); v != nil {
				rw.key(false, []byte(name))
				rw.value(v)
			}
		}
	}
	if stored != nil {
		stored.Visit(func(k []byte, v *fastjson.Value) {
			name := string(k)
			if !slices.Contains(shape.order, name) && arrayKinds[name] == "" && splicedKinds[name] == "" {
				rw.key(false, k)
				rw.value(v)
			}
		})
	}
	b.WriteString("}}")
	writeBody(w, http.StatusOK, b.Bytes())
	return nil
}

// RecordView says how the Customer and Account reads show the records of a
// kind, so that what reads them back (contactd import, package transfer)
// maps the fields the same way.
type RecordView struct {
	// Field is the array of the owner's object the records fill, one
	// element each; "" when their fields are spliced into the owner's
	// object (Spliced).
	Field string
	// IDField names the record's ID in its element, "" when not shown.
	IDField string
	// Updated says whether an element ends with the record's Updated.
	Updated bool
	// KeyField is the field that is the record's key, "" for a kind an
	// owner holds one of.
	KeyField string
	// Spliced lists the fields spliced into the owner's object.
	Spliced []string
}

// RecordViews is how the reads show each kind of record.
func RecordViews() map[contactd.Kind]RecordView {
	views := make(map[contactd.Kind]RecordView, len(recordViews))
	for kind, v := range recordViews {
		rv := RecordView{Field: v.field, IDField: v.idField, Updated: v.updated, KeyField: cmp.Or(v.keyField, v.keyIn)}
		if v.field == "" {
			rv.Spliced = slices.Clone(v.show)
		}
		views[kind] = rv
	}
	return views
}

// capture is a ResponseWriter that keeps the body, for the read answers
// written outside a request.
type capture struct {
	header http.Header
	body   bytes.Buffer
}

func (c *capture) Header() http.Header         { return c.header }
func (c *capture) Write(p []byte) (int, error) { return c.body.Write(p) }
func (c *capture) WriteHeader(int)             {}

// CustomerJSON is the Customer object the customer read answers for c
// (with its Records) and its contacts: the object inside {"Customer":...}.
func CustomerJSON(c contactd.Customer, contacts []contactd.Contact) ([]byte, error) {
	head, err := customerHead(c)
	if err != nil {
		return nil, err
	}
	return readJSON("Customer", head, c.Profile, customerShape, c.Records, contacts)
}

// AccountJSON is the Account object the account read answers for a (with
// its Records) and its contacts.
func AccountJSON(a contactd.Account, contacts []contactd.Contact) ([]byte, error) {
	head, err := accountHead(a)
	if err != nil {
		return nil, err
	}
	return readJSON("Account", head, a.Profile, accountShape, a.Records, contacts)
}

func readJSON(wrapper string, head []byte, profile json.RawMessage, shape readShape,
	records []contactd.Record, contacts []contactd.Contact) ([]byte, error) {
	c := &capture{header: http.Header{}}
	if err := writeRead(c, wrapper, head, profile, shape, records, contacts); err != nil {
		return nil, err
	}
	b := c.body.Bytes()
	return b[len(`{"`+wrapper+`":`) : len(b)-1], nil
}

package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

// FuzzValidate runs every request schema over arbitrary bodies. Validate must
// not panic, must be deterministic, must answer "body" exactly when the body
// is not one JSON object in UTF-8, and must otherwise agree with refValidate,
// a slow reference built on encoding/json's token stream. A body it accepts
// must unmarshal into a map[string]any.
func FuzzValidate(f *testing.F) {
	for _, tt := range sampleCases {
		f.Add(readSample(f, tt.file))
	}
	for _, body := range validBodies {
		f.Add([]byte(body))
	}
	schemas := make([]*Schema, 0, len(wantRequestNames))
	for _, name := range RequestNames() {
		schemas = append(schemas, RequestSchema(name))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		isObject := json.Valid(body) && utf8.Valid(body) && bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("{"))
		for _, s := range schemas {
			got := s.Validate(body)
			if again := s.Validate(body); again != got {
				t.Fatalf("%s: Validate(%q) = %q, then %q", s.Name, body, got, again)
			}
			if !isObject {
				if got != "body" {
					t.Fatalf("%s: Validate(%q) = %q, want body", s.Name, body, got)
				}
				continue
			}
			want, err := refValidate(s, body)
			if err != nil {
				t.Fatalf("%s: reference on %q: %v", s.Name, body, err)
			}
			if got != want {
				t.Fatalf("%s: Validate(%q) = %q, reference says %q", s.Name, body, got, want)
			}
			if got == "" {
				var m map[string]any
				if err := json.Unmarshal(body, &m); err != nil {
					t.Fatalf("%s: Validate(%q) = \"\" but Unmarshal: %v", s.Name, body, err)
				}
			}
		}
	})
}

// refMember is a field of a refObject; refObject keeps document order and
// duplicate names, which map[string]any would lose.
type refMember struct {
	name  string
	value any
}

type refObject []refMember

// refArray is a JSON array decoded by refDecode.
type refArray []any

// refValidate is a straightforward second implementation of Validate's rules
// for a body that is a valid JSON object.
func refValidate(s *Schema, body []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	v, err := refDecode(dec)
	if err != nil {
		return "", err
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", fmt.Errorf("trailing data: %v", err)
	}
	obj, ok := v.(refObject)
	if !ok {
		return "", fmt.Errorf("not an object")
	}
	if name := refFields(s.Properties, obj); name != "" {
		return name, nil
	}
	return refUndefined(s.Properties, obj), nil
}

func refDecode(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok {
	case json.Delim('{'):
		obj := refObject{}
		for dec.More() {
			key, err := dec.Token()
			if err != nil {
				return nil, err
			}
			v, err := refDecode(dec)
			if err != nil {
				return nil, err
			}
			obj = append(obj, refMember{key.(string), v})
		}
		_, err := dec.Token()
		return obj, err
	case json.Delim('['):
		arr := refArray{}
		for dec.More() {
			v, err := refDecode(dec)
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		_, err := dec.Token()
		return arr, err
	}
	return tok, nil
}

func refFields(props []*Property, obj refObject) string {
	for _, p := range props {
		var value any
		n := 0
		for _, m := range obj {
			if m.name == p.Name {
				value = m.value
				n++
			}
		}
		switch {
		case n > 1:
			return p.Name
		case value == nil:
			if p.Required {
				return p.MissingName
			}
		default:
			if name := refCheck(p, value); name != "" {
				return name
			}
		}
	}
	return ""
}

func refCheck(p *Property, value any) string {
	ok := true
	switch v := value.(type) {
	case string:
		n := utf8.RuneCountInString(v)
		ok = p.Type == "string" &&
			(p.MaxLength == nil || n <= *p.MaxLength) &&
			(p.MinLength == nil || n >= *p.MinLength)
		if ok && p.Format == "date" {
			d, err := time.Parse(time.DateOnly, v)
			ok = err == nil && d.Format(time.DateOnly) == v
		}
		if ok && p.Enum != nil {
			ok = false
			for _, e := range p.Enum {
				ok = ok || e == v
			}
		}
		// no control character (Unicode's Cc), which the stores disagree on
		ok = ok && !strings.ContainsFunc(v, unicode.IsControl)
	case json.Number:
		s := v.String()
		ok = p.Type == "number" || p.Type == "integer" && !strings.ContainsAny(s, ".eE")
		if ok && p.Format == "int32" {
			_, err := strconv.ParseInt(s, 10, 32)
			ok = err == nil
		}
		if ok && p.IsID() {
			id, err := v.Int64()
			ok = err == nil && id > 0 && id < 1<<53 && s == fmt.Sprint(id)
		}
	case bool:
		ok = p.Type == "boolean"
	case refObject:
		if p.Type != "object" {
			return p.Name
		}
		return refFields(p.Properties, v)
	case refArray:
		if p.Type != "array" {
			return p.Name
		}
		for _, e := range v {
			if e == nil {
				return p.Items.Name
			}
			if name := refCheck(p.Items, e); name != "" {
				return name
			}
		}
	default:
		ok = false
	}
	if !ok {
		return p.Name
	}
	return ""
}

func refUndefined(props []*Property, obj refObject) string {
	for _, m := range obj {
		var p *Property
		for _, q := range props {
			if q.Name == m.name {
				p = q
			}
		}
		if p == nil {
			if m.name == "" {
				return EmptyFieldName
			}
			return m.name
		}
		if name := refUndefinedIn(p, m.value); name != "" {
			return name
		}
	}
	return ""
}

func refUndefinedIn(p *Property, value any) string {
	switch v := value.(type) {
	case refObject:
		if p.Type == "object" {
			return refUndefined(p.Properties, v)
		}
	case refArray:
		if p.Type == "array" {
			for _, e := range v {
				if name := refUndefinedIn(p.Items, e); name != "" {
					return name
				}
			}
		}
	}
	return ""
}

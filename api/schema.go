package api

import (
	"fmt"
	"io/fs"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Property describes one value of a request body: a field of an object, or
// (as the Items of an array) every element of an array.
type Property struct {
	// Name is the bare name Validate reports when this value is offending:
	// the JSON field name, or for the Items of an array the array's name.
	Name string
	// Type is the Swagger type: "object", "array", "string", "number",
	// "integer" or "boolean".
	Type string
	// Format is the Swagger format, or "" when the YAML sets none. Validate
	// enforces "int64" (an ID, see IsID), "int32" (an integer that fits in
	// 32 bits) and "date" (a calendar date written YYYY-MM-DD); "double"
	// adds nothing to type number.
	Format string
	// Description is the YAML description, verbatim (it is HTML; the
	// AreaCode description holds the per-country area code table).
	Description string
	// Required reports that the enclosing object requires this field, after
	// the overrides that SPEC-README.md imposes. Always false for Items.
	Required bool
	// MissingName is the name Validate reports when this required field is
	// absent: Name, except where SUITE.md rules otherwise (ruling 2: a
	// field missing from an address's Address object names "Address").
	MissingName string
	// MinLength and MaxLength bound the length of a string in Unicode
	// characters (runes); nil when the YAML does not set them.
	MinLength, MaxLength *int
	// Enum lists the values a string may take, in YAML order, "" included
	// when the YAML lists it; nil when the string is not restricted.
	Enum []string
	// Properties lists the fields of an object in YAML order.
	Properties []*Property
	// Items describes the elements of an array; nil for other types.
	Items *Property

	kind valueKind // Type, decoded once at load time
	date bool      // Format is "date"
}

// IsID reports whether the property is an identifier: a number of format
// int64, which must be written as a plain positive integer below 2^53
// (SPEC-README rules 11 and 12).
func (p *Property) IsID() bool {
	return (p.kind == kindNumber || p.kind == kindInteger) && p.Format == "int64"
}

// Schema is the schema of one request body, a JSON object. RequestSchema
// returns shared Schemas: callers must not modify them (or their
// Properties); read-only use is safe from concurrent goroutines.
type Schema struct {
	// API is the name of the API whose YAML defines the schema: the YAML's
	// file name up to its first "-", e.g. "contact".
	API string
	// Name is the definition name, e.g. "contact_POST_Request". Two APIs
	// may use the same definition name (the Account and Period APIs both
	// define "list_POST_Request"); API + "/" + Name is unique.
	Name string
	// Properties lists the top-level fields of the body in YAML order.
	Properties []*Property
}

// Walk calls fn for every property of the schema in the order Validate
// checks them: depth first in YAML order, each object's or array's own
// property before its contents. path holds the JSON field names from the body
// down to p, with "[]" standing for every element of an array, so the items
// of Contact.Phone are visited at ["Contact", "Phone", "[]"] and their
// PhoneNumber at ["Contact", "Phone", "[]", "PhoneNumber"]. fn owns path.
func (s *Schema) Walk(fn func(path []string, p *Property)) {
	var walk func(path []string, p *Property)
	walk = func(path []string, p *Property) {
		fn(slices.Clone(path), p)
		for _, c := range p.Properties {
			walk(append(path, c.Name), c)
		}
		if p.Items != nil {
			walk(append(path, "[]"), p.Items)
		}
	}
	for _, p := range s.Properties {
		walk([]string{p.Name}, p)
	}
}

// RequestSchema returns the schema of a request definition of the embedded
// YAML files, named "api/definition": for example "contact/phone_POST_Request",
// "address/address_PUT_Request", "period/list_POST_Request" (RequestNames
// lists them all). A request definition is one that an operation takes as
// its body.
//
// The bare definition name is accepted too when exactly one YAML defines it
// ("contact_POST_Request"). "list_POST_Request", which both the Account and
// the Period API define, means the Account API's, as it did before the
// Period API joined; new code names the API.
//
// RequestSchema panics on any other name, and if the embedded YAML cannot be
// loaded: both are programming errors.
func RequestSchema(name string) *Schema {
	specs, err := loadSchemas()
	if err != nil {
		panic("api: " + err.Error())
	}
	if s, ok := specs.byName[name]; ok {
		return s
	}
	if alias, ok := bareAliases[name]; ok {
		return specs.byName[alias]
	}
	switch found := specs.bare[name]; len(found) {
	case 0:
		panic("api: no request definition " + strconv.Quote(name))
	case 1:
		return found[0]
	default:
		panic("api: request definition " + strconv.Quote(name) + " is ambiguous: name its API")
	}
}

// RequestNames returns the "api/definition" names of all request
// definitions that RequestSchema knows, sorted.
func RequestNames() []string {
	specs, err := loadSchemas()
	if err != nil {
		panic("api: " + err.Error())
	}
	names := make([]string, 0, len(specs.byName))
	for name := range specs.byName {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// bareAliases resolves bare definition names that several APIs define, for
// callers written before the second definition arrived.
var bareAliases = map[string]string{
	"list_POST_Request": "account/list_POST_Request",
}

// requiredOverrides lists fields that SPEC-README.md requires although the
// YAML does not list them as required: "api/definition" -> top-level fields.
var requiredOverrides = map[string][]string{
	// SPEC-README rule 11: "`Phone` is required on POST and PUT `/phone`."
	// (the YAML requires only ContactID, respectively PhoneID).
	"contact/phone_POST_Request": {"Phone"},
	"contact/phone_PUT_Request":  {"Phone"},
}

// missingNamesParent lists the top-level objects whose required fields, when
// absent, are reported by the object's name: "api/definition" -> objects.
var missingNamesParent = map[string][]string{
	// SUITE.md ruling 2: "A field the schema requires ... missing from
	// Address is EV1100 whose message names Address, as the published
	// sample shows."
	"address/address_POST_Request": {"Address"},
	"address/address_PUT_Request":  {"Address"},
}

// SpecFile returns the name of the embedded Swagger file of the API apiName
// ("contact", "bic", ...), and false when no such API is embedded. The
// release date in the file name differs between APIs.
func SpecFile(apiName string) (string, bool) {
	files, err := fs.Glob(Files, apiName+"-*.yaml")
	if err != nil || len(files) != 1 {
		return "", false
	}
	return files[0], true
}

// APIs returns the names of the APIs whose Swagger files are embedded,
// sorted.
func APIs() []string {
	files, _ := fs.Glob(Files, "*.yaml")
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, apiOfFile(f))
	}
	slices.Sort(names)
	return names
}

// apiOfFile returns the API name of a YAML file name: up to its first "-".
func apiOfFile(file string) string {
	name, _, _ := strings.Cut(strings.TrimSuffix(file, ".yaml"), "-")
	return name
}

// specs holds every request schema, by "api/definition" and by bare
// definition name.
type specs struct {
	byName map[string]*Schema
	bare   map[string][]*Schema
}

// loadSchemas parses every embedded YAML file once and builds the schema of
// every request definition.
var loadSchemas = sync.OnceValues(func() (*specs, error) {
	files, err := fs.Glob(Files, "*.yaml")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no YAML file embedded")
	}
	schemas := make(map[string]*Schema)
	for _, file := range files {
		data, err := Files.ReadFile(file)
		if err != nil {
			return nil, err
		}
		if err := parseSpec(file, data, schemas); err != nil {
			return nil, err
		}
	}
	if err := applyOverrides(schemas, requiredOverrides); err != nil {
		return nil, err
	}
	if err := applyMissingNames(schemas, missingNamesParent); err != nil {
		return nil, err
	}
	sp := &specs{byName: schemas, bare: make(map[string][]*Schema)}
	for _, s := range schemas {
		sp.bare[s.Name] = append(sp.bare[s.Name], s)
	}
	for alias, name := range bareAliases {
		if schemas[name] == nil || len(sp.bare[alias]) < 2 {
			return nil, fmt.Errorf("alias %s: %s is missing or the name is not ambiguous", alias, name)
		}
	}
	return sp, nil
})

// applyOverrides marks the fields of overrides as required.
func applyOverrides(schemas map[string]*Schema, overrides map[string][]string) error {
	for name, fields := range overrides {
		for _, field := range fields {
			p, err := overridden(schemas, "required", name, field)
			if err != nil {
				return err
			}
			p.Required = true
		}
	}
	return nil
}

// applyMissingNames makes the required fields of the listed objects report
// the object's name when absent.
func applyMissingNames(schemas map[string]*Schema, parents map[string][]string) error {
	for name, objects := range parents {
		for _, object := range objects {
			p, err := overridden(schemas, "missing-name", name, object)
			if err != nil {
				return err
			}
			if p.kind != kindObject {
				return fmt.Errorf("missing-name override: %s.%s is not an object", name, object)
			}
			for _, c := range p.Properties {
				if c.Required {
					c.MissingName = object
				}
			}
		}
	}
	return nil
}

// overridden returns the top-level field of a request definition that an
// override of the given kind names. A definition or field that does not
// exist is an error, so that a change to the YAML cannot silently disable an
// override.
func overridden(schemas map[string]*Schema, kind, name, field string) (*Property, error) {
	s, ok := schemas[name]
	if !ok {
		return nil, fmt.Errorf("%s override: no request definition %s", kind, name)
	}
	i := slices.IndexFunc(s.Properties, func(p *Property) bool { return p.Name == field })
	if i < 0 {
		return nil, fmt.Errorf("%s override: %s has no field %s", kind, name, field)
	}
	return s.Properties[i], nil
}

// parseSpec adds to schemas the schema of every definition that an operation
// of the Swagger 2.0 document data takes as its body parameter.
// Schemas are keyed "api/definition".
func parseSpec(file string, data []byte, schemas map[string]*Schema) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return fmt.Errorf("%s: not a YAML document", file)
	}
	root := doc.Content[0]
	defs := mapGet(root, "definitions")
	paths := mapGet(root, "paths")
	if defs == nil || defs.Kind != yaml.MappingNode || paths == nil || paths.Kind != yaml.MappingNode {
		return fmt.Errorf("%s: no definitions or paths", file)
	}
	b := builder{file: file, api: apiOfFile(file), defs: defs}
	built := make(map[string]bool)
	for i := 1; i < len(paths.Content); i += 2 {
		path := resolve(paths.Content[i])
		for j := 1; path.Kind == yaml.MappingNode && j < len(path.Content); j += 2 {
			params := mapGet(path.Content[j], "parameters")
			if params == nil || params.Kind != yaml.SequenceNode {
				continue
			}
			for _, param := range params.Content {
				if in := mapGet(param, "in"); in == nil || in.Value != "body" {
					continue
				}
				ref := mapGet(mapGet(param, "schema"), "$ref")
				if ref == nil {
					return fmt.Errorf("%s: body parameter of %s %s has no $ref",
						file, path.Content[j-1].Value, paths.Content[i-1].Value)
				}
				name, ok := strings.CutPrefix(ref.Value, "#/definitions/")
				if !ok {
					return fmt.Errorf("%s: unsupported $ref %q", file, ref.Value)
				}
				if built[name] {
					continue // several operations may share a definition
				}
				key := b.api + "/" + name
				if _, dup := schemas[key]; dup {
					return fmt.Errorf("%s: API %s is also in another file", file, b.api)
				}
				built[name] = true
				s, err := b.schema(name)
				if err != nil {
					return err
				}
				schemas[key] = s
			}
		}
	}
	return nil
}

// builder turns definitions of one YAML file into Properties.
type builder struct {
	file string
	api  string
	defs *yaml.Node
}

// maxSchemaDepth bounds nesting and $ref chains, which catches $ref cycles.
const maxSchemaDepth = 32

// schema builds the schema of the named definition, which must be an object.
func (b *builder) schema(name string) (*Schema, error) {
	p, err := b.ref("#/definitions/"+name, name, 0)
	if err != nil {
		return nil, err
	}
	if p.kind != kindObject {
		return nil, fmt.Errorf("%s: definition %s: request body is %s, not an object", b.file, name, p.Type)
	}
	return &Schema{API: b.api, Name: name, Properties: p.Properties}, nil
}

// ref builds the property name from the definition that ref points to.
func (b *builder) ref(ref, name string, depth int) (*Property, error) {
	def, ok := strings.CutPrefix(ref, "#/definitions/")
	if !ok {
		return nil, fmt.Errorf("%s: unsupported $ref %q", b.file, ref)
	}
	n := mapGet(b.defs, def)
	if n == nil {
		return nil, fmt.Errorf("%s: $ref to missing definition %s", b.file, def)
	}
	return b.property(name, n, depth+1)
}

// property builds the property called name from its YAML schema node n.
func (b *builder) property(name string, n *yaml.Node, depth int) (*Property, error) {
	fail := func(format string, args ...any) (*Property, error) {
		return nil, fmt.Errorf("%s:%d: %s: %s", b.file, n.Line, name, fmt.Sprintf(format, args...))
	}
	if depth > maxSchemaDepth {
		return fail("schema nested too deep (a $ref cycle?)")
	}
	if n.Kind != yaml.MappingNode {
		return fail("schema is not a mapping")
	}
	if ref := mapGet(n, "$ref"); ref != nil {
		if len(n.Content) != 2 {
			return fail("$ref with sibling keywords")
		}
		return b.ref(ref.Value, name, depth)
	}
	p := &Property{Name: name, MissingName: name}
	var required, properties, items *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i].Value, resolve(n.Content[i+1])
		switch key {
		case "type":
			p.Type = val.Value
		case "format":
			p.Format = val.Value
		case "description":
			p.Description = val.Value
		case "title", "example":
			// documentation only
		case "required":
			required = val
		case "properties":
			properties = val
		case "items":
			items = val
		case "maxLength", "minLength":
			v, err := strconv.Atoi(val.Value)
			if err != nil || v < 0 || val.Kind != yaml.ScalarNode {
				return fail("%s %q is not a non-negative integer", key, val.Value)
			}
			if key == "maxLength" {
				p.MaxLength = &v
			} else {
				p.MinLength = &v
			}
		case "enum":
			if val.Kind != yaml.SequenceNode || len(val.Content) == 0 {
				return fail("enum is not a non-empty list")
			}
			p.Enum = make([]string, 0, len(val.Content))
			for _, e := range val.Content {
				if e = resolve(e); e.Kind != yaml.ScalarNode {
					return fail("enum value is not a scalar")
				}
				p.Enum = append(p.Enum, e.Value)
			}
		default:
			// Refuse what we do not enforce rather than ignore a constraint.
			return fail("unsupported schema keyword %q", key)
		}
	}
	switch p.Type {
	case "string":
		p.kind = kindString
		if p.MinLength != nil && p.MaxLength != nil && *p.MinLength > *p.MaxLength {
			return fail("minLength %d > maxLength %d", *p.MinLength, *p.MaxLength)
		}
	case "number":
		p.kind = kindNumber
	case "integer":
		p.kind = kindInteger
	case "boolean":
		p.kind = kindBoolean
	case "object":
		p.kind = kindObject
	case "array":
		p.kind = kindArray
	case "":
		return fail("no type")
	default:
		return fail("unsupported type %q", p.Type)
	}
	if p.kind != kindString && (p.MaxLength != nil || p.MinLength != nil || p.Enum != nil) {
		return fail("maxLength, minLength or enum on type %s", p.Type)
	}
	switch {
	case p.Format == "":
	case p.Format == "date" && p.kind == kindString:
		p.date = true
	case (p.Format == "int64" || p.Format == "int32" || p.Format == "double") &&
		(p.kind == kindNumber || p.kind == kindInteger):
	default:
		// Refuse what we do not enforce rather than ignore a constraint.
		return fail("unsupported format %q on type %s", p.Format, p.Type)
	}
	if p.kind != kindObject && (properties != nil || required != nil) {
		return fail("properties or required on type %s", p.Type)
	}
	if (p.kind == kindArray) != (items != nil) {
		return fail("items on type %s, or an array without items", p.Type)
	}
	if properties != nil {
		if properties.Kind != yaml.MappingNode {
			return fail("properties is not a mapping")
		}
		for i := 0; i+1 < len(properties.Content); i += 2 {
			field := properties.Content[i].Value
			if slices.ContainsFunc(p.Properties, func(q *Property) bool { return q.Name == field }) {
				return fail("duplicate property %s", field)
			}
			c, err := b.property(field, resolve(properties.Content[i+1]), depth+1)
			if err != nil {
				return nil, err
			}
			p.Properties = append(p.Properties, c)
		}
	}
	if required != nil {
		if required.Kind != yaml.SequenceNode {
			return fail("required is not a list")
		}
		for _, r := range required.Content {
			i := slices.IndexFunc(p.Properties, func(q *Property) bool { return q.Name == resolve(r).Value })
			if i < 0 {
				return fail("required field %q is not a property", resolve(r).Value)
			}
			p.Properties[i].Required = true
		}
	}
	if items != nil {
		c, err := b.property(name, items, depth+1)
		if err != nil {
			return nil, err
		}
		c.Required = false
		p.Items = c
	}
	return p, nil
}

// mapGet returns the value of key in the YAML mapping n, or nil.
func mapGet(n *yaml.Node, key string) *yaml.Node {
	n = resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return resolve(n.Content[i+1])
		}
	}
	return nil
}

// resolve follows YAML aliases.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	return n
}

// valueKind is a schema type or a JSON value kind.
type valueKind uint8

const (
	_ valueKind = iota
	kindNull
	kindBoolean // JSON true or false
	kindNumber
	kindInteger // schema type only; JSON integers are kindNumber
	kindString
	kindObject
	kindArray
)

// maxDepth is the nesting limit of encoding/json: deeper bodies are "body".
const maxDepth = 10000

// EmptyFieldName is what Validate reports for an undefined field whose name is
// the empty string, which cannot be reported bare.
const EmptyFieldName = `""`

// Validate checks a request body against the schema and returns "" when it is
// valid; otherwise it returns the bare name of the first offending field, or
// "body" when the body is not a single JSON object (not JSON, not UTF-8,
// nested deeper than encoding/json accepts, not an object, or followed by
// anything but whitespace).
//
// Fields are checked in the schema's order, depth first (an object's fields
// and an array's elements where they stand, elements in array order); only
// then are field names that the schema does not define reported, the first in
// document order, at any depth. A field is offending when it is given twice
// in one object, when it is required and absent (JSON null counts as
// absent), when its JSON type differs from the schema's, when a string's
// length in Unicode characters is outside [minLength, maxLength] or the
// string is not one of its enum values, and when an ID (IsID) is not a plain
// positive integer below 2^53. An array element of the wrong type, null
// included, names the array.
//
// Validate never panics and is safe for concurrent use.
func (s *Schema) Validate(body []byte) string {
	if len(body) > math.MaxInt32 {
		return "body"
	}
	v := validators.Get().(*validator)
	name := v.validate(s, body)
	v.b = nil
	if cap(v.nodes) <= 1<<12 && cap(v.scratch) <= 1<<12 {
		validators.Put(v)
	}
	return name
}

// node is one JSON value of a parsed body. The nodes of a body are stored in
// document order; an object's member is its key (a string node) followed by
// the nodes of its value.
type node struct {
	start, end int32 // string: the bytes between the quotes; number: the literal
	next       int32 // index of the first node after this value and its contents
	kind       valueKind
	esc        bool // string: holds backslash escapes
}

// validator parses and checks one body. It is pooled so that validating a
// body allocates nothing in the steady state.
type validator struct {
	b       []byte
	nodes   []node
	scratch []byte  // unescaped string
	vals    []int32 // checkFields' values of fields, a stack
}

var validators = sync.Pool{New: func() any { return new(validator) }}

func (v *validator) validate(s *Schema, body []byte) string {
	v.b = body
	v.nodes = v.nodes[:0]
	v.vals = v.vals[:0]
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return "body"
	}
	i, ok := v.value(i, 1)
	if !ok || skipSpace(body, i) != len(body) {
		return "body"
	}
	if name := v.checkFields(s.Properties, 0); name != "" {
		return name
	}
	return v.undefinedIn(s.Properties, 0)
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// value parses the JSON value at b[i] (past any whitespace) at nesting depth
// depth, appending its nodes, and returns the index just past it.
func (v *validator) value(i, depth int) (int, bool) {
	b := v.b
	if i >= len(b) {
		return i, false
	}
	switch c := b[i]; c {
	case '{', '[':
		if depth > maxDepth {
			return i, false
		}
		idx := len(v.nodes)
		kind, end := kindObject, byte('}')
		if c == '[' {
			kind, end = kindArray, ']'
		}
		v.nodes = append(v.nodes, node{kind: kind})
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == end {
			i++
		} else {
			for {
				var ok bool
				if kind == kindObject {
					if i >= len(b) || b[i] != '"' {
						return i, false
					}
					if i, ok = v.str(i); !ok {
						return i, false
					}
					if i = skipSpace(b, i); i >= len(b) || b[i] != ':' {
						return i, false
					}
					i = skipSpace(b, i+1)
				}
				if i, ok = v.value(i, depth+1); !ok {
					return i, false
				}
				if i = skipSpace(b, i); i >= len(b) {
					return i, false
				}
				if b[i] == ',' {
					i = skipSpace(b, i+1)
					continue
				}
				if b[i] != end {
					return i, false
				}
				i++
				break
			}
		}
		v.nodes[idx].next = int32(len(v.nodes))
		return i, true
	case '"':
		return v.str(i)
	case 't':
		return v.literal(i, "true", kindBoolean)
	case 'f':
		return v.literal(i, "false", kindBoolean)
	case 'n':
		return v.literal(i, "null", kindNull)
	default:
		return v.number(i)
	}
}

func (v *validator) literal(i int, lit string, kind valueKind) (int, bool) {
	if len(v.b)-i < len(lit) || string(v.b[i:i+len(lit)]) != lit {
		return i, false
	}
	v.nodes = append(v.nodes, node{kind: kind, next: int32(len(v.nodes) + 1)})
	return i + len(lit), true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// number parses a JSON number at b[i].
func (v *validator) number(i int) (int, bool) {
	b, start := v.b, i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return i, false
	case b[i] == '0':
		i++
	case isDigit(b[i]):
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	default:
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i >= len(b) || !isDigit(b[i]) {
			return i, false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i >= len(b) || !isDigit(b[i]) {
			return i, false
		}
		for i < len(b) && isDigit(b[i]) {
			i++
		}
	}
	v.nodes = append(v.nodes, node{kind: kindNumber, start: int32(start), end: int32(i), next: int32(len(v.nodes) + 1)})
	return i, true
}

// str parses a JSON string at b[i], which is '"'. It accepts only valid UTF-8.
func (v *validator) str(i int) (int, bool) {
	b := v.b
	start := i + 1
	esc := false
	for i = start; i < len(b); {
		switch c := b[i]; {
		case c == '"':
			v.nodes = append(v.nodes, node{kind: kindString, esc: esc, start: int32(start), end: int32(i), next: int32(len(v.nodes) + 1)})
			return i + 1, true
		case c == '\\':
			esc = true
			if i+1 >= len(b) {
				return i, false
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if len(b)-i < 6 {
					return i, false
				}
				if _, ok := hex4(b[i+2 : i+6]); !ok {
					return i, false
				}
				i += 6
			default:
				return i, false
			}
		case c < 0x20:
			return i, false
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				return i, false
			}
			i += size
		}
	}
	return i, false
}

func hex4(h []byte) (rune, bool) {
	var r rune
	for _, c := range h {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// appendUnescaped appends the value of the well-formed JSON string contents s
// to dst, decoding escapes as encoding/json does (a lone surrogate becomes
// U+FFFD).
func appendUnescaped(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		switch s[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, _ := hex4(s[i+2 : i+6])
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if len(s)-i >= 6 && s[i] == '\\' && s[i+1] == 'u' {
					r2, _ = hex4(s[i+2 : i+6])
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, s[i+1])
		}
		i += 2
	}
	return dst
}

// text returns the value of the string node n; it is valid until the next
// call.
func (v *validator) text(n *node) []byte {
	raw := v.b[n.start:n.end]
	if !n.esc {
		return raw
	}
	v.scratch = appendUnescaped(v.scratch[:0], raw)
	return v.scratch
}

// nextMember returns the node index of the key that follows key in object
// obj (the first key when key is -1), or -1 after the last one. The member's
// value is at key+1.
func (v *validator) nextMember(obj, key int) int {
	if key < 0 {
		key = obj + 1
	} else {
		key = int(v.nodes[key+1].next)
	}
	if key >= int(v.nodes[obj].next) {
		return -1
	}
	return key
}

// fieldIndex returns the index in props of the field named key, or -1.
// It searches from hint on, wrapping around: a body's members mostly come
// in the schema's order, so the search mostly ends at once (a search from
// the start for every member made validation quadratic in an object's
// fields, a third of an import's checks).
func fieldIndex(props []*Property, key []byte, hint int) int {
	for j := range props {
		i := (hint + j) % len(props)
		if props[i].Name == string(key) {
			return i
		}
	}
	return -1
}

// checkFields checks the fields props of object obj in schema order: a
// field given twice, a required one missing, the first offending value.
func (v *validator) checkFields(props []*Property, obj int) string {
	if len(props) == 0 {
		return ""
	}
	// the value of each field, -1 when absent, -2 when given twice; on a
	// stack shared with the objects nested in this one
	base := len(v.vals)
	for range props {
		v.vals = append(v.vals, -1)
	}
	defer func() { v.vals = v.vals[:base] }()
	hint := 0
	for k := v.nextMember(obj, -1); k >= 0; k = v.nextMember(obj, k) {
		i := fieldIndex(props, v.text(&v.nodes[k]), hint)
		if i < 0 {
			continue // undefinedIn reports it
		}
		hint = i + 1
		if v.vals[base+i] == -1 {
			v.vals[base+i] = int32(k + 1)
		} else {
			v.vals[base+i] = -2
		}
	}
	for i, p := range props {
		val := int(v.vals[base+i])
		if val == -2 {
			return p.Name
		}
		if val < 0 || v.nodes[val].kind == kindNull {
			if p.Required {
				return p.MissingName
			}
			continue
		}
		if name := v.check(p, val); name != "" {
			return name
		}
	}
	return ""
}

// check checks value node val against p.
func (v *validator) check(p *Property, val int) string {
	n := &v.nodes[val]
	switch p.kind {
	case kindString:
		if n.kind != kindString {
			return p.Name
		}
		s := v.text(n)
		if p.MaxLength != nil || p.MinLength != nil {
			l := utf8.RuneCount(s)
			if p.MaxLength != nil && l > *p.MaxLength || p.MinLength != nil && l < *p.MinLength {
				return p.Name
			}
		}
		if p.Enum != nil && !inEnum(p.Enum, s) {
			return p.Name
		}
		if p.date && !IsDate(s) {
			return p.Name
		}
		if hasControl(s) {
			return p.Name
		}
	case kindNumber, kindInteger:
		if n.kind != kindNumber {
			return p.Name
		}
		lit := v.b[n.start:n.end]
		if p.IsID() && !isID(lit) || p.kind == kindInteger && !isInteger(lit) ||
			p.Format == "int32" && !isInt32(lit) {
			return p.Name
		}
	case kindBoolean:
		if n.kind != kindBoolean {
			return p.Name
		}
	case kindObject:
		if n.kind != kindObject {
			return p.Name
		}
		return v.checkFields(p.Properties, val)
	case kindArray:
		if n.kind != kindArray {
			return p.Name
		}
		for e, end := val+1, int(n.next); e < end; e = int(v.nodes[e].next) {
			if name := v.check(p.Items, e); name != "" {
				return name
			}
		}
	}
	return ""
}

// hasControl reports whether the UTF-8 text s holds a control character
// (Unicode's Cc: U+0000 to U+001F and U+007F to U+009F). No published field
// holds one, and the stores disagree on them (PostgreSQL refuses U+0000
// in text), so they are refused before any store sees them.
func hasControl(s []byte) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r >= 0x80 && r <= 0x9f {
			return true
		}
		i += size
	}
	return false
}

// inEnum reports whether s is one of enum.
func inEnum(enum []string, s []byte) bool {
	for _, e := range enum {
		if e == string(s) {
			return true
		}
	}
	return false
}

// maxID is 2^53: IDs must stay below it (SPEC-README rules 11 and 12).
const maxID = 1 << 53

// isID reports whether the JSON number literal lit is a plain positive
// integer below 2^53: digits only, no leading zero.
func isID(lit []byte) bool {
	if len(lit) == 0 || len(lit) > 16 || lit[0] == '0' {
		return false
	}
	var n uint64
	for _, c := range lit {
		if !isDigit(c) {
			return false
		}
		n = n*10 + uint64(c-'0')
	}
	return n < maxID
}

// isInt32 reports whether the JSON number literal lit is an integer (no
// fraction, no exponent) that fits in a signed 32-bit integer.
func isInt32(lit []byte) bool {
	if !isInteger(lit) {
		return false
	}
	_, err := strconv.ParseInt(string(lit), 10, 32)
	return err == nil
}

// IsDate reports whether s is a calendar date written YYYY-MM-DD, the
// Swagger format "date" (RFC 3339 full-date): 2021-02-29 is not one.
// It does not allocate, so that Validate stays allocation-free.
func IsDate[T ~string | ~[]byte](s T) bool {
	if len(s) != len("2006-01-02") || s[4] != '-' || s[7] != '-' {
		return false
	}
	num := func(i, j int) int {
		n := 0
		for ; i < j; i++ {
			if !isDigit(s[i]) {
				return -1
			}
			n = n*10 + int(s[i]-'0')
		}
		return n
	}
	year, month, day := num(0, 4), num(5, 7), num(8, 10)
	if year < 0 || month < 1 || month > 12 || day < 1 {
		return false
	}
	// Day 0 of the next month is the last day of this one.
	return day <= time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// isInteger reports whether the JSON number literal lit has no fraction and
// no exponent.
func isInteger(lit []byte) bool {
	for _, c := range lit {
		if c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}

// undefinedIn returns the first field name, in document order and at any
// depth, that the schema does not define in object obj with fields props.
// It runs after checkFields, so every defined field has the right type.
func (v *validator) undefinedIn(props []*Property, obj int) string {
	hint := 0
	for k := v.nextMember(obj, -1); k >= 0; k = v.nextMember(obj, k) {
		key := v.text(&v.nodes[k])
		i := -1
		if len(props) > 0 {
			i = fieldIndex(props, key, hint)
		}
		if i < 0 {
			if len(key) == 0 {
				return EmptyFieldName
			}
			return string(key)
		}
		hint = i + 1
		if name := v.undefinedBelow(props[i], k+1); name != "" {
			return name
		}
	}
	return ""
}

// undefinedBelow returns the first undefined field name inside value val of p.
func (v *validator) undefinedBelow(p *Property, val int) string {
	n := &v.nodes[val]
	switch {
	case p.kind == kindObject && n.kind == kindObject:
		return v.undefinedIn(p.Properties, val)
	case p.kind == kindArray && n.kind == kindArray:
		for e, end := val+1, int(n.next); e < end; e = int(v.nodes[e].next) {
			if name := v.undefinedBelow(p.Items, e); name != "" {
				return name
			}
		}
	}
	return ""
}

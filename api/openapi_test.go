package api

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestOpenAPIErrorCodesAreEnums: every error answer of every operation
// names its codes in an enum, so that generated clients get typed codes,
// and the enum holds exactly the codes of the error schemas it allows.
// Every externalDocs URL is absolute (OpenAPI wants a URI).
func TestOpenAPIErrorCodesAreEnums(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(ContactdOpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	// resolve follows a local $ref.
	resolve := func(v any) map[string]any {
		m, _ := v.(map[string]any)
		for m != nil && m["$ref"] != nil {
			var cur any = doc
			for _, part := range strings.Split(strings.TrimPrefix(m["$ref"].(string), "#/"), "/") {
				cur = cur.(map[string]any)[part]
			}
			m, _ = cur.(map[string]any)
		}
		return m
	}
	get := func(m map[string]any, keys ...string) map[string]any {
		for _, k := range keys {
			m = resolve(m[k])
		}
		return m
	}

	checked := 0
	for path, item := range doc["paths"].(map[string]any) {
		for method, o := range item.(map[string]any) {
			op, ok := o.(map[string]any)
			if !ok || op["responses"] == nil {
				continue
			}
			if ed, ok := op["externalDocs"].(map[string]any); ok {
				if u, err := url.Parse(ed["url"].(string)); err != nil || !u.IsAbs() || u.Scheme != "https" {
					t.Errorf("%s %s: externalDocs.url %q is not an absolute https URL", method, path, ed["url"])
				}
			}
			for status, r := range op["responses"].(map[string]any) {
				code, _ := strconv.Atoi(status)
				resp := resolve(r)
				schema := get(resp, "content", "application/json", "schema")
				if code < 400 || schema == nil {
					continue
				}
				where := method + " " + path + " " + status
				items := get(schema, "properties", "errors", "items")
				enum, _ := get(items, "properties", "code")["enum"].([]any)
				if len(enum) == 0 {
					t.Errorf("%s: no code enum", where)
					continue
				}
				var allowed []any
				for _, k := range []string{"oneOf", "allOf"} {
					if refs, ok := items[k].([]any); ok {
						for _, ref := range refs {
							allowed = append(allowed, get(resolve(ref), "properties", "code")["const"])
						}
					}
				}
				slices.SortFunc(allowed, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
				sorted := slices.Clone(enum)
				slices.SortFunc(sorted, func(a, b any) int { return strings.Compare(a.(string), b.(string)) })
				if !slices.Equal(sorted, allowed) {
					t.Errorf("%s: code enum %v, the error schemas allow %v", where, enum, allowed)
				}
				checked++
			}
		}
	}
	if checked < 40 {
		t.Errorf("only %d error answers checked", checked)
	}
}

package journal

import (
	"bytes"
	"slices"
	"testing"
)

func add(j *Journal, path string, status int, code string) {
	j.Add(Entry{Path: path, Status: status, Code: code, Caller: "sandbox:a"})
}

func seqs(es []Entry) []int64 {
	var s []int64
	for _, e := range es {
		s = append(s, e.Seq)
	}
	return s
}

func TestKeepsTheNewestNewestFirst(t *testing.T) {
	j := New(3)
	for range 5 {
		add(j, "/gateway/contact/contact", 200, "")
	}
	if got := seqs(j.List(Filter{}, 0)); len(got) != 3 || got[0] != 5 || got[2] != 3 {
		t.Errorf("kept %v, want [5 4 3]", got)
	}
	if got := seqs(j.List(Filter{After: 3}, 0)); len(got) != 2 || got[1] != 4 {
		t.Errorf("after 3: %v, want [5 4]", got)
	}
	if got := seqs(j.List(Filter{}, 1)); len(got) != 1 || got[0] != 5 {
		t.Errorf("limit 1: %v", got)
	}
	if _, ok := j.Get(2); ok {
		t.Error("Get(2) found an entry the journal dropped")
	}
	if e, ok := j.Get(4); !ok || e.Seq != 4 {
		t.Errorf("Get(4): %v %v", e.Seq, ok)
	}
	j.Clear()
	if got := j.List(Filter{}, 0); len(got) != 0 {
		t.Errorf("after Clear: %v", seqs(got))
	}
	add(j, "/x", 404, "EV1100")
	if got := seqs(j.List(Filter{}, 0)); len(got) != 1 || got[0] != 6 {
		t.Errorf("after Clear the next entry is %v, want [6]: Seq goes on", got)
	}
}

func TestFilter(t *testing.T) {
	j := New(10)
	add(j, "/gateway/contact/phone", 400, "CNT102")
	add(j, "/secure/gateway/customer/customer", 200, "")
	j.Add(Entry{Path: "/gateway/account/list", Status: 400, Code: "EV1021"})
	add(j, "/nowhere", 404, "EV1100")
	for _, tc := range []struct {
		f    Filter
		want []int64
	}{
		{Filter{API: "contact"}, []int64{1}},
		{Filter{API: "customer"}, []int64{2}},
		{Filter{Class: "4xx"}, []int64{4, 3, 1}},
		{Filter{Code: "EV1021"}, []int64{3}},
		{Filter{Caller: "sandbox:a", Class: "4xx"}, []int64{4, 1}},
		{Filter{Caller: "sandbox:b"}, nil},
	} {
		if got := seqs(j.List(tc.f, 0)); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.f, got, tc.want)
		}
	}
}

func TestBodiesAreCut(t *testing.T) {
	j := New(1)
	big := bytes.Repeat([]byte("x"), MaxBody+10)
	j.Add(Entry{RequestBody: big, ResponseBody: []byte(`{"a":1}`)})
	e := j.List(Filter{}, 0)[0]
	if len(e.RequestBody) != MaxBody || !e.RequestCut || e.ResponseCut {
		t.Errorf("request body %d bytes, cut %v; response cut %v", len(e.RequestBody), e.RequestCut, e.ResponseCut)
	}
}

func TestMessageAndPretty(t *testing.T) {
	e := Entry{Code: "CNT102", ResponseBody: []byte(`{"errors":[{"code":"CNT102","type":"validation","message":"The phone number provided is invalid."}]}`)}
	if m := e.Message(); m != "The phone number provided is invalid." {
		t.Errorf("Message %q", m)
	}
	if p := Pretty([]byte(`{"a":[1,2]}`)); p != "{\n  \"a\": [\n    1,\n    2\n  ]\n}" {
		t.Errorf("Pretty %q", p)
	}
	if p := Pretty([]byte("not json")); p != "not json" {
		t.Errorf("Pretty of text %q", p)
	}
}

// BenchmarkAdd is the journal's own share of a request: keeping one entry
// of a customer read's size in a full journal of the default size.
func BenchmarkAdd(b *testing.B) {
	j := New(DefaultSize)
	req := []byte(`{"CustomerID":"069096409","CustomerIDType":"IRD"}`)
	resp := bytes.Repeat([]byte("x"), 800)
	b.ReportAllocs()
	for b.Loop() {
		j.Add(Entry{Caller: "sandbox:sandbox", Method: "POST", Path: "/gateway/customer/customer", Status: 200,
			RequestBody: req, ResponseBody: resp})
	}
}

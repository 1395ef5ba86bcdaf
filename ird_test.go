package contactd

import (
	"errors"
	"testing"
)

// wantError checks that err is an *Error with the given code and field;
// code "" means no error.
func wantContactdError(t *testing.T, err error, code Code, field string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want *Error %s", err, err, code)
	}
	if e.Code != code || e.Field != field {
		t.Fatalf("error = %s field %q, want %s field %q", e.Code, e.Field, code, field)
	}
}

func TestParseCustomerID_IRDRule3(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  string // normalised value when valid
		code  Code
		field string
	}{
		// Valid: the spec's examples and the sample messages' numbers.
		{"spec example 8 digits", "49091850", "049091850", "", ""},
		{"spec example 35901981", "35901981", "035901981", "", ""},
		{"spec example 49098576", "49098576", "049098576", "", ""},
		{"spec example 9 digits", "136410132", "136410132", "", ""},
		{"sample 111111111", "111111111", "111111111", "", ""},
		{"sample leading zero kept", "069096409", "069096409", "", ""},
		{"sample 132243158", "132243158", "132243158", "", ""},
		{"sample 139369673", "139369673", "139369673", "", ""},
		{"sample 132253579", "132253579", "132253579", "", ""},
		{"sample CST404 number passes check", "132243050", "132243050", "", ""},
		{"8-digit form of 069096409", "69096409", "069096409", "", ""},
		{"lowest valid in range", "10000009", "010000009", "", ""},
		{"highest valid in range", "149999995", "149999995", "", ""},
		{"secondary weights", "010000191", "010000191", "", ""},
		{"secondary weights 8 digits", "10000191", "010000191", "", ""},

		// Failing the check digit or the range: EV2234.
		{"check digit off by one", "136410133", "", EV2234, ""},
		{"123456789 fails check", "123456789", "", EV2234, ""},
		{"102210221 fails check", "102210221", "", EV2234, ""},
		{"below range, check digit fine", "09999996", "", EV2234, ""},
		{"below range 9 digits", "000000000", "", EV2234, ""},
		{"above range, check digit fine", "150000009", "", EV2234, ""},
		{"far above range", "999999999", "", EV2234, ""},
		{"secondary weights wrong digit", "010000190", "", EV2234, ""},
		{"secondary weights give 10 too", "010000059", "", EV2234, ""},
		{"secondary weights give 10 too, 8 digits", "10000050", "", EV2234, ""},
		// Fewer than 8 digits: below the range, the published validation's first step.
		{"seven digits", "9125568", "", EV2234, ""},
		{"one digit", "7", "", EV2234, ""},
		{"seven zeros", "0000000", "", EV2234, ""},

		// Format: EV1100 naming CustomerID.
		{"hyphenated", "136-410-132", "", EV1100, "CustomerID"},
		{"sample hyphenated", "111-111-111", "", EV1100, "CustomerID"},
		{"empty", "", "", EV1100, "CustomerID"},
		{"leading space", " 49091850", "", EV1100, "CustomerID"},
		{"trailing space", "49091850 ", "", EV1100, "CustomerID"},
		{"ten digits", "0136410132", "", EV1100, "CustomerID"},
		{"full-width digits", "０４９０９１８５０", "", EV1100, "CustomerID"},
		{"arabic-indic digits", "٤٩٠٩١٨٥٠", "", EV1100, "CustomerID"},
		{"sign", "+49091850", "", EV1100, "CustomerID"},
		{"letter", "4909185O", "", EV1100, "CustomerID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCustomerID(IRD, tt.in)
			wantContactdError(t, err, tt.code, tt.field)
			if tt.code == "" && (got != CustomerID{Type: IRD, Value: tt.want}) {
				t.Fatalf("ParseCustomerID(IRD, %q) = %+v, want %q", tt.in, got, tt.want)
			}
			if tt.code != "" && (got != CustomerID{}) {
				t.Fatalf("ParseCustomerID(IRD, %q) = %+v with error, want zero", tt.in, got)
			}
		})
	}
}

// TestIRDRulePersonas: the sandbox's rule lets its published personas'
// numbers through their failing check digit, and nothing else.
func TestIRDRulePersonas(t *testing.T) {
	r := IRDRule{Personas: map[string]bool{"102210221": true}}
	if got, err := r.ParseCustomerID(IRD, "102210221"); err != nil || got != (CustomerID{Type: IRD, Value: "102210221"}) {
		t.Errorf("persona: %+v, %v", got, err)
	}
	if got, err := r.ParseOwnerRef("102210221", "IRD", "", ""); err != nil || got.Customer.Value != "102210221" {
		t.Errorf("persona as owner: %+v, %v", got, err)
	}
	for _, v := range []string{"123456789", "136410133", "102210222", "9125568"} {
		_, err := r.ParseCustomerID(IRD, v)
		wantContactdError(t, err, EV2234, "")
	}
	_, err := r.ParseCustomerID(IRD, "10221022x")
	wantContactdError(t, err, EV1100, "CustomerID")
	// Production's rule keeps the check digit for every number.
	_, err = ParseCustomerID(IRD, "102210221")
	wantContactdError(t, err, EV2234, "")
	_, err = ParseOwnerRef("102210221", "IRD", "", "")
	wantContactdError(t, err, EV2234, "")
}

func TestValidIRD_Rule3(t *testing.T) {
	valid := []string{
		"49091850", "35901981", "49098576", "136410132", "111111111",
		"069096409", "132243158", "139369673", "132253579",
	}
	invalid := []string{
		"136410133", "123456789", "102210221", // check digit
		"09999999", "150000001", // range
		"9125568", "136-410-132", "", " 49091850", "０４９０９１８５０", "1234567890", // format
	}
	for _, s := range valid {
		if !ValidIRD(s) {
			t.Errorf("ValidIRD(%q) = false, want true", s)
		}
	}
	for _, s := range invalid {
		if ValidIRD(s) {
			t.Errorf("ValidIRD(%q) = true, want false", s)
		}
	}
}

// TestValidIRD_RuleRangeAndCheckDigitReference compares ValidIRD with an
// independent arithmetic reference of rule 3 around both ends of the
// inclusive range 10,000,000 to 150,000,000 and on a sweep across it.
func TestValidIRD_RuleRangeAndCheckDigitReference(t *testing.T) {
	// reference recomputes rule 3 independently on the numeric value.
	reference := func(n int) bool {
		if n < 10_000_000 || n > 150_000_000 {
			return false
		}
		base, check := n/10, n%10
		digits := [8]int{}
		for i := 7; i >= 0; i-- {
			digits[i] = base % 10
			base /= 10
		}
		calc := func(w [8]int) int {
			s := 0
			for i := range w {
				s += digits[i] * w[i]
			}
			if s%11 == 0 {
				return 0
			}
			return 11 - s%11
		}
		c := calc([8]int{3, 2, 7, 6, 5, 4, 3, 2})
		if c == 10 {
			c = calc([8]int{7, 4, 3, 2, 5, 2, 7, 6})
		}
		return c != 10 && c == check
	}
	format9 := func(n int) string {
		b := make([]byte, 9)
		for i := 8; i >= 0; i-- {
			b[i] = byte('0' + n%10)
			n /= 10
		}
		return string(b)
	}
	// Every number around both bounds, plus a sweep with a stride.
	var ns []int
	for n := 9_999_000; n <= 10_001_000; n++ {
		ns = append(ns, n)
	}
	for n := 149_999_000; n <= 150_001_000; n++ {
		ns = append(ns, n)
	}
	for n := 10_000_000; n <= 150_000_000; n += 9_973 {
		ns = append(ns, n)
	}
	validCount := 0
	for _, n := range ns {
		s := format9(n)
		want := reference(n)
		if got := ValidIRD(s); got != want {
			t.Fatalf("ValidIRD(%q) = %v, want %v", s, got, want)
		}
		if want {
			validCount++
		}
		if s[0] == '0' {
			if got := ValidIRD(s[1:]); got != want {
				t.Fatalf("ValidIRD(%q) = %v, want %v (same as %q)", s[1:], got, want, s)
			}
		}
	}
	if validCount == 0 {
		t.Fatal("reference sweep found no valid number")
	}
}

func TestParseCustomerID_CSTRule3(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		code  Code
		field string
	}{
		{"sample CST", "1512100301", "", ""},
		{"one digit", "7", "", ""},
		{"leading zeros kept", "0000000001", "", ""},
		{"no check digit", "123456789", "", ""},
		{"empty", "", EV1100, "CustomerID"},
		{"eleven digits", "15121003011", EV1100, "CustomerID"},
		{"hyphen", "151-210-030", EV1100, "CustomerID"},
		{"letter", "151210030A", EV1100, "CustomerID"},
		{"space", " 1512100301", EV1100, "CustomerID"},
		{"full-width digit", "１", EV1100, "CustomerID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCustomerID(CST, tt.in)
			wantContactdError(t, err, tt.code, tt.field)
			if tt.code == "" && (got != CustomerID{Type: CST, Value: tt.in}) {
				t.Fatalf("ParseCustomerID(CST, %q) = %+v", tt.in, got)
			}
		})
	}
}

func TestParseCustomerID_UnknownTypeRule2(t *testing.T) {
	for _, typ := range []CustomerIDType{"", "IRN", "ird", "cst", "ACC", "IRD "} {
		_, err := ParseCustomerID(typ, "49091850")
		wantContactdError(t, err, EV1100, "CustomerIDType")
	}
}

func TestParseOwnerRef_Rules1And11(t *testing.T) {
	tests := []struct {
		name                           string
		custID, custType, accID, accTy string
		want                           OwnerRef
		code                           Code
		field                          string
	}{
		{"customer IRD", "49091850", "IRD", "", "", OwnerRef{Customer: CustomerID{IRD, "049091850"}}, "", ""},
		{"customer CST sample", "1512100301", "CST", "", "", OwnerRef{Customer: CustomerID{CST, "1512100301"}}, "", ""},
		{"account sample", "", "", "512100301INC003", "ACC", OwnerRef{AccountID: "512100301INC003", AccountIDType: "ACC"}, "", ""},
		{"complying fund", "", "", "AS/1234", "CMPF", OwnerRef{AccountID: "AS/1234", AccountIDType: "CMPF"}, "", ""},
		{"KiwiSaver scheme", "", "", "KSS/12345", "KSF", OwnerRef{AccountID: "KSS/12345", AccountIDType: "KSF"}, "", ""},

		{"both owners", "49091850", "IRD", "512100301INC003", "ACC", OwnerRef{}, EV1100, "AccountID"},
		{"customer and half account", "49091850", "IRD", "", "ACC", OwnerRef{}, EV1100, "AccountID"},
		{"half customer and account", "49091850", "", "512100301INC003", "ACC", OwnerRef{}, EV1100, "AccountID"},
		{"half and half", "", "IRD", "512100301INC003", "", OwnerRef{}, EV1100, "AccountID"},
		{"neither", "", "", "", "", OwnerRef{}, EV1100, "CustomerID"},

		{"customer type missing", "49091850", "", "", "", OwnerRef{}, EV1100, "CustomerIDType"},
		{"customer ID missing", "", "IRD", "", "", OwnerRef{}, EV1100, "CustomerID"},
		{"account type missing", "", "", "512100301INC003", "", OwnerRef{}, EV1100, "AccountIDType"},
		{"account ID missing", "", "", "", "ACC", OwnerRef{}, EV1100, "AccountID"},

		{"customer IRD bad check digit", "136410133", "IRD", "", "", OwnerRef{}, EV2234, ""},
		{"customer IRD hyphenated", "136-410-132", "IRD", "", "", OwnerRef{}, EV1100, "CustomerID"},
		{"customer CST too long", "15121003011", "CST", "", "", OwnerRef{}, EV1100, "CustomerID"},
		{"customer type outside enum", "49091850", "IRN", "", "", OwnerRef{}, EV1100, "CustomerIDType"},
		{"account type outside enum", "", "", "512100301INC003", "AC", OwnerRef{}, EV1100, "AccountIDType"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOwnerRef(tt.custID, tt.custType, tt.accID, tt.accTy)
			wantContactdError(t, err, tt.code, tt.field)
			if got != tt.want {
				t.Fatalf("ParseOwnerRef = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseCustomerID_IRDNoAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ParseCustomerID(IRD, "136410132"); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("ParseCustomerID(IRD, 9 digits) allocates %v times, want 0", allocs)
	}
}

func BenchmarkParseCustomerID(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseCustomerID(IRD, "136410132"); err != nil {
			b.Fatal(err)
		}
	}
}

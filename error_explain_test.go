package contactd

import "testing"

// TestEveryCodeIsExplained: the console explains every refusal a caller
// can get.
func TestEveryCodeIsExplained(t *testing.T) {
	for _, c := range Codes() {
		if e := c.Explain(); e.Means == "" || e.Change == "" {
			t.Errorf("%s has no explanation", c)
		}
	}
	if (Code("XX0000")).Explain() != (Explanation{}) {
		t.Error("an unknown code has an explanation")
	}
}

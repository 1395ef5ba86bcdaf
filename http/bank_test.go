package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/contactd/contactd"
)

// nzBankBody is a Bank POST of a New Zealand account BB-bbbb-AAAAAAAA-SSSS.
func nzBankBody(accountID, idType, number, reference string) string {
	p := strings.Split(number, "-")
	return fmt.Sprintf(`{"AccountID":%q,"AccountIDType":%q,"NameOnAccount":"Test Holder","NewZealand":{"Bank":%q,"Branch":%q,"Account":%q,"Suffix":%q,"Reference":%q}}`,
		accountID, idType, p[0], p[1], p[2], p[3], reference)
}

// auBankBody is a Bank POST of the published Australian account.
func auBankBody(accountID string) string {
	return `{"AccountID":"` + accountID + `","AccountIDType":"ACC","NameOnAccount":"Test Holder","International":` +
		`{"RoutingNumber":"242000","AccountNumber":"203330017","BankAccountType":"C","BankName":"ASB","Country":"AU"}}`
}

// accountBank is the BankAccount and NameOnBankAccount of an Account read,
// and whether the read has them.
func accountBank(t *testing.T, s *sandboxServer, accountID, idType string) (number, holder string, present bool) {
	t.Helper()
	status, body := s.do("POST", "/gateway/account/account", `{"AccountID":"`+accountID+`","AccountIDType":"`+idType+`"}`)
	mustStatus(t, status, body, http.StatusOK)
	var a struct{ Account map[string]any }
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	n, ok := a.Account["BankAccount"].(string)
	h, _ := a.Account["NameOnBankAccount"].(string)
	return n, h, ok
}

// bankAudit is the account's audited bank operations, oldest first.
func bankAudit(t *testing.T, s *sandboxServer, accountID string) []contactd.AuditRecord {
	t.Helper()
	recs, err := s.Store.Audit(context.Background(), contactd.AuditQuery{AccountID: accountID})
	if err != nil {
		t.Fatal(err)
	}
	var bank []contactd.AuditRecord
	for _, r := range recs {
		if strings.HasPrefix(r.Operation, string(contactd.KindBank)+".") {
			bank = append(bank, r)
		}
	}
	return bank
}

// TestBankLife: an NZ account added and read in the Account read; an
// Australian one refused (BNK102) until the account has a PRFLOC in
// Australia, then replacing it; deleted; BNK101 on the next delete; every
// change audited. On both stores.
func TestBankLife(t *testing.T) {
	onEachStore(t, func(t *testing.T, s *sandboxServer) {
		const acc = "132243158FBT005" // no bank account, no address
		if _, _, ok := accountBank(t, s, acc, "ACC"); ok {
			t.Fatal("the persona starts with a bank account")
		}
		status, body := s.do("POST", "/gateway/bank/bank", nzBankBody(acc, "ACC", "03-1528-00065296-0050", ""))
		mustStatus(t, status, body, http.StatusOK)
		if len(body) != 0 {
			t.Fatalf("POST answers %s, want no body", body)
		}
		if n, h, _ := accountBank(t, s, acc, "ACC"); n != "03-1528-00065296-0050" || h != "Test Holder" {
			t.Fatalf("read %q %q", n, h)
		}

		status, body = s.do("POST", "/gateway/bank/bank", auBankBody(acc))
		wantError(t, status, body, http.StatusBadRequest, "BNK102")
		if n, _, _ := accountBank(t, s, acc, "ACC"); n != "03-1528-00065296-0050" {
			t.Fatalf("a refused POST changed the bank account: %q", n)
		}
		status, body = s.do("POST", "/gateway/address/address", `{"AccountID":"`+acc+`","AccountIDType":"ACC","Type":"PRFLOC",`+
			`"Address":{"Street":"1 George Street","Urbanisation":"Sydney","City":"Sydney","State":"AU-NSW","PostCode":"2000","Country":"AU"}}`)
		mustStatus(t, status, body, http.StatusOK)
		status, body = s.do("POST", "/gateway/bank/bank", auBankBody(acc))
		mustStatus(t, status, body, http.StatusOK)
		if n, h, _ := accountBank(t, s, acc, "ACC"); n != "242000-203330017" || h != "Test Holder" {
			t.Fatalf("after the replacement, read %q %q", n, h)
		}

		status, body = s.do("DELETE", "/gateway/bank/bank", `{"AccountID":"`+acc+`","AccountIDType":"ACC"}`)
		mustStatus(t, status, body, http.StatusOK)
		if n, _, ok := accountBank(t, s, acc, "ACC"); ok {
			t.Fatalf("after DELETE, read %q", n)
		}
		status, body = s.do("DELETE", "/gateway/bank/bank", `{"AccountID":"`+acc+`","AccountIDType":"ACC"}`)
		e := wantError(t, status, body, http.StatusBadRequest, "BNK101")
		if e.Message != "The account provided does not have an existing bank account associated." {
			t.Fatalf("BNK101 message %q", e.Message)
		}

		var ops []string
		for _, r := range bankAudit(t, s, acc) {
			ops = append(ops, r.Operation)
		}
		if got := strings.Join(ops, " "); got != "bank.create bank.replace bank.cease" {
			t.Fatalf("audited %q", got)
		}
		// The replaced account's record is ceased, its values kept.
		recs := bankAudit(t, s, acc)
		if !strings.Contains(string(recs[1].Before), "03-1528-00065296-0050") || !strings.Contains(string(recs[1].After), `"Country":"AU"`) {
			t.Fatalf("replace audited before %s after %s", recs[1].Before, recs[1].After)
		}
	})
}

// TestBankNumbers: the published check-digit vectors and the samples'
// numbers are accepted over HTTP, a credit union account keeps its
// Reference, and invalid numbers (00-0000-00000000-0000 among them) are
// BNK100 and change nothing. On both stores.
func TestBankNumbers(t *testing.T) {
	onEachStore(t, func(t *testing.T, s *sandboxServer) {
		const acc = "132245746INC002" // no bank account
		for _, number := range []string{"01-0902-00068389-0000", "08-6523-01954512-0001", "26-2600-00320871-0032",
			"03-1528-00065296-0050"} {
			status, body := s.do("POST", "/gateway/bank/bank", nzBankBody(acc, "ACC", number, ""))
			mustStatus(t, status, body, http.StatusOK)
			if n, _, _ := accountBank(t, s, acc, "ACC"); n != number {
				t.Fatalf("%s: read %q", number, n)
			}
		}
		status, body := s.do("POST", "/gateway/bank/bank", nzBankBody(acc, "ACC", "03-1528-00065296-0000", "CreditUnion"))
		mustStatus(t, status, body, http.StatusOK)
		recs := bankAudit(t, s, acc)
		if last := string(recs[len(recs)-1].After); !strings.Contains(last, `"Reference":"CreditUnion"`) {
			t.Fatalf("credit union account stored as %s", last)
		}
		for _, number := range []string{"00-0000-00000000-0000", "01-0902-00068388-0000", "26-2600-00320871-0033",
			"05-0902-00068389-0000", "01-1000-00068389-0000", "0A-0902-00068389-0000"} {
			status, body := s.do("POST", "/gateway/bank/bank", nzBankBody(acc, "ACC", number, ""))
			e := wantError(t, status, body, http.StatusBadRequest, "BNK100")
			if e.Message != "The bank account provided is invalid." {
				t.Fatalf("%s: message %q", number, e.Message)
			}
		}
		if n, _, _ := accountBank(t, s, acc, "ACC"); n != "03-1528-00065296-0000" {
			t.Fatalf("a refused number changed the account's bank account to %q", n)
		}
		if got := len(bankAudit(t, s, acc)); got != 5 {
			t.Fatalf("%d audit records, want 5 (the refused POSTs write none)", got)
		}
	})
}

// TestBankChecks: the order of checks of a bank POST and DELETE.
func TestBankChecks(t *testing.T) {
	s := newSandbox(t)
	valid := "03-1528-00065296-0050"
	for _, tc := range []struct {
		name, method, body, code string
		status                   int
	}{
		{"both accounts", "POST", strings.Replace(nzBankBody("132243158FBT005", "ACC", valid, ""), `"NewZealand"`,
			`"International":{"RoutingNumber":"242000","AccountNumber":"1","BankAccountType":"C","BankName":"ASB","Country":"AU"},"NewZealand"`, 1),
			"EV1100", 400},
		{"neither account", "POST", `{"AccountID":"132243158FBT005","AccountIDType":"ACC","NameOnAccount":"X"}`, "EV1100", 400},
		{"bad name before an unknown account", "POST", strings.Replace(nzBankBody("111111111INC002", "ACC", valid, ""), "Test Holder", "\u263a", 1), "EV1100", 400},
		{"invalid number of an unknown account", "POST", nzBankBody("111111111INC002", "ACC", "00-0000-00000000-0000", ""), "CST404", 400},
		{"unknown account", "DELETE", `{"AccountID":"111111111INC002","AccountIDType":"ACC"}`, "CST404", 400},
		{"account named by the wrong ID type", "POST", nzBankBody("132243158FBT005", "KSF", valid, ""), "CST404", 400},
		{"out of reach", "POST", nzBankBody("102210221INC002", "ACC", valid, ""), "EV1022", 403},
		{"out of reach, delete", "DELETE", `{"AccountID":"102210221INC002","AccountIDType":"ACC"}`, "EV1022", 403},
		{"ineligible account type", "POST", nzBankBody("132243158KSS004", "ACC", valid, ""), "ACT100", 400},
		{"ineligible before the number", "POST", nzBankBody("132243158KSS004", "ACC", "00-0000-00000000-0000", ""), "ACT100", 400},
		{"no bank account", "DELETE", `{"AccountID":"512100301REB001","AccountIDType":"ACC"}`, "BNK101", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := s.do(tc.method, "/gateway/bank/bank", tc.body)
			wantError(t, status, body, tc.status, tc.code)
		})
	}
}

// TestBankIdempotency: a bank POST sent twice with one Idempotency-Key
// writes once.
func TestBankIdempotency(t *testing.T) {
	s := newSandbox(t)
	const acc = "132245746NRT005"
	h := http.Header{"Authorization": {s.Token}, "Idempotency-Key": {"bank-once"}}
	for range 2 {
		resp, body := s.doHeaders("POST", "/gateway/bank/bank", h, nzBankBody(acc, "ACC", "03-1528-00065296-0050", ""))
		mustStatus(t, resp.StatusCode, body, http.StatusOK)
	}
	if got := len(bankAudit(t, s, acc)); got != 1 {
		t.Fatalf("%d audited writes, want 1", got)
	}
	resp, body := s.doHeaders("POST", "/gateway/bank/bank", h, nzBankBody(acc, "ACC", "01-0902-00068389-0000", ""))
	wantError(t, resp.StatusCode, body, http.StatusBadRequest, "EV1100")
}

// TestBankRace: 20 parallel bank POSTs on one account all succeed, leave
// exactly one live bank account and 20 audit records. On both stores,
// under -race.
func TestBankRace(t *testing.T) {
	onEachStore(t, func(t *testing.T, s *sandboxServer) {
		const acc, n = "132243050INC003", 20
		numbers := []string{"01-0902-00068389-0000", "08-6523-01954512-0001", "26-2600-00320871-0032", "03-1528-00065296-0050"}
		var wg sync.WaitGroup
		answers := make(chan string, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				status, body := s.do("POST", "/gateway/bank/bank", nzBankBody(acc, "ACC", numbers[i%len(numbers)], ""))
				answers <- fmt.Sprintf("%d %s", status, body)
			}()
		}
		wg.Wait()
		close(answers)
		for a := range answers {
			if a != "200 " {
				t.Errorf("answer %q, want 200", a)
			}
		}
		recs := bankAudit(t, s, acc)
		if len(recs) != n {
			t.Fatalf("%d audit records, want %d", len(recs), n)
		}
		// Exactly one live: the last write's, which every other one replaced.
		var live []int64
		for _, r := range recs {
			if _, _, err := s.Store.Record(context.Background(), contactd.KindBank, r.RecordID); err == nil {
				live = append(live, r.RecordID)
			}
		}
		if len(live) != 1 || live[0] != recs[n-1].RecordID {
			t.Fatalf("live bank records %v, want only the last written, %d", live, recs[n-1].RecordID)
		}
		if number, _, _ := accountBank(t, s, acc, "ACC"); !strings.Contains(string(recs[n-1].After), number) {
			t.Fatalf("the read shows %q, the last write %s", number, recs[n-1].After)
		}
	})
}

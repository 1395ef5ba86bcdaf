package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/contactd/contactd"
)

// The load's writes of the Address, Name, BIC and Bank APIs, and how the
// check reads records back and replays their audit trail.

// recordState is one live record as the reads show it: Value is a name's or
// an address's Formatted, a bank account's BankAccount, "" for a BIC code
// (the read shows its code only).
type recordState struct {
	Owner, Kind, Key, Value string
}

// recordKey is where a record stands in a snapshot: names and addresses by
// ID, BIC codes (whose IDs the read does not show) by owner and code, a
// bank account (one per account, no ID in the read) by owner.
func recordKey(kind, owner, key string, id int64) string {
	switch kind {
	case string(contactd.KindBIC):
		return "bic " + owner + " " + key
	case string(contactd.KindBank):
		return "bank " + owner
	}
	return fmt.Sprintf("%s %d", kind, id)
}

// bankNumbers are the NZ bank accounts the load gives accounts (published
// check-digit examples).
var bankNumbers = [][4]string{{"01", "0902", "00068389", "0000"}, {"08", "6523", "01954512", "0001"},
	{"26", "2600", "00320871", "0032"}, {"03", "1528", "00065296", "0050"}}

// bicCodes are the codes the load adds and removes.
var bicCodes = []string{"A019960", "M696100", "G422110", "E321200"}

// writeRecord sends one random write of the Address, Name, BIC or Bank API
// and returns what it sends and the operation the audit trail will show for
// a 200 ("bic.*" for a BIC POST: a create, or a merge into a live code;
// "bank.*" for a bank POST: a create, or a replacement).
func writeRecord(l *ledger, r *rand.Rand) (method, path, body, op string) {
	l.mu.Lock()
	name, address := pickID(l.names, r), pickID(l.addresses, r)
	l.mu.Unlock()
	cu := customers[r.IntN(len(customers))]
	customer := fmt.Sprintf(`"CustomerID":%q,"CustomerIDType":%q`, cu.Value, cu.Type)
	switch n := r.IntN(100); {
	case n < 20 || name == 0 && n < 35:
		return "POST", "/gateway/name/name", fmt.Sprintf(`{%s,"Type":"DBACST","Unformatted":"CRASH TRADING %d"}`, customer, r.IntN(1e6)),
			contactd.RecordOp(contactd.KindName, contactd.VerbCreate)
	case n < 30 && name != 0:
		return "PUT", "/gateway/name/name", fmt.Sprintf(`{"NameID":%d,"Unformatted":"RENAMED %d"}`, name, r.IntN(1e6)),
			contactd.RecordOp(contactd.KindName, contactd.VerbUpdate)
	case n < 35 && name != 0:
		return "DELETE", "/gateway/name/name", fmt.Sprintf(`{"NameID":%d}`, name), contactd.RecordOp(contactd.KindName, contactd.VerbCease)
	case n < 55 || address == 0 && n < 70:
		owner := fmt.Sprintf(`%s,"Type":"MAL"`, customer)
		if r.IntN(2) == 0 {
			owner = fmt.Sprintf(`"AccountID":%q,"AccountIDType":"ACC","Type":"PRFMAL"`, accounts[r.IntN(len(accounts))])
		}
		return "POST", "/gateway/address/address", fmt.Sprintf(`{%s,"NewZealand":{"DPID":%d}}`, owner, 100+r.IntN(1e6)),
			contactd.RecordOp(contactd.KindAddress, contactd.VerbCreate)
	case n < 65 && address != 0:
		return "PUT", "/gateway/address/address", fmt.Sprintf(`{"AddressID":%d,"NewZealand":{"DPID":%d}}`, address, 100+r.IntN(1e6)),
			contactd.RecordOp(contactd.KindAddress, contactd.VerbUpdate)
	case n < 70 && address != 0:
		return "DELETE", "/gateway/address/address", fmt.Sprintf(`{"AddressID":%d}`, address),
			contactd.RecordOp(contactd.KindAddress, contactd.VerbCease)
	case n < 80:
		return "POST", "/gateway/bic/bic", fmt.Sprintf(`{%s,"BICCode":%q}`, customer, bicCodes[r.IntN(len(bicCodes))]), "bic.*"
	case n < 88:
		b := bankNumbers[r.IntN(len(bankNumbers))]
		return "POST", "/gateway/bank/bank", fmt.Sprintf(`{"AccountID":%q,"AccountIDType":"ACC","NameOnAccount":"Crash %d",`+
			`"NewZealand":{"Bank":%q,"Branch":%q,"Account":%q,"Suffix":%q}}`, accounts[r.IntN(len(accounts))], r.IntN(1e6), b[0], b[1], b[2], b[3]), "bank.*"
	case n < 92:
		return "DELETE", "/gateway/bank/bank", fmt.Sprintf(`{"AccountID":%q,"AccountIDType":"ACC"}`, accounts[r.IntN(len(accounts))]),
			contactd.RecordOp(contactd.KindBank, contactd.VerbCease)
	default:
		return "DELETE", "/gateway/bic/bic", fmt.Sprintf(`{%s,"BICCode":%q}`, customer, bicCodes[r.IntN(len(bicCodes))]),
			contactd.RecordOp(contactd.KindBIC, contactd.VerbCease)
	}
}

func pickID(ids []int64, r *rand.Rand) int64 {
	if len(ids) == 0 {
		return 0
	}
	return ids[r.IntN(len(ids))]
}

// readRecords is the part of a Customer or Account read that records fill.
type readRecords struct {
	Name []struct {
		NameID          int64
		Type, Formatted string
	}
	Address []struct {
		AddressID       int64
		Type, Formatted string
	}
	BIC         []struct{ BICCode string }
	BankAccount string
}

// addRecords adds the records of one read to a snapshot.
func addRecords(out map[string]recordState, owner string, rr readRecords) {
	for _, n := range rr.Name {
		out[recordKey("name", owner, n.Type, n.NameID)] = recordState{owner, "name", n.Type, n.Formatted}
	}
	for _, a := range rr.Address {
		out[recordKey("address", owner, a.Type, a.AddressID)] = recordState{owner, "address", a.Type, a.Formatted}
	}
	for _, b := range rr.BIC {
		k := recordKey("bic", owner, b.BICCode, 0)
		if _, twice := out[k]; twice {
			out[k+" (twice)"] = recordState{owner, "bic", b.BICCode, ""}
		}
		out[k] = recordState{owner, "bic", b.BICCode, ""}
	}
	if rr.BankAccount != "" {
		out[recordKey("bank", owner, "", 0)] = recordState{owner, "bank", "", rr.BankAccount}
	}
}

// replayRecord applies one record operation of the audit trail.
func replayRecord(state map[string]recordState, owner string, r contactd.AuditRecord) error {
	kind, verb, ok := strings.Cut(r.Operation, ".")
	if !ok {
		return fmt.Errorf("audit record %d: operation %q", r.Seq, r.Operation)
	}
	var before, after contactd.RecordValues
	for _, v := range []struct {
		raw json.RawMessage
		to  *contactd.RecordValues
	}{{r.Before, &before}, {r.After, &after}} {
		if len(v.raw) > 0 && string(v.raw) != "null" {
			if err := json.Unmarshal(v.raw, v.to); err != nil {
				return fmt.Errorf("audit record %d: %w", r.Seq, err)
			}
		}
	}
	switch verb {
	case contactd.VerbCease:
		delete(state, recordKey(kind, owner, before.Key, r.RecordID))
	case contactd.VerbCreate, contactd.VerbUpdate, contactd.VerbMerge, contactd.VerbReplace:
		var fields struct{ Formatted, BankAccount string }
		if err := json.Unmarshal(after.Fields, &fields); err != nil {
			return fmt.Errorf("audit record %d: fields: %w", r.Seq, err)
		}
		switch kind {
		case string(contactd.KindBIC):
			fields.Formatted = ""
		case string(contactd.KindBank):
			fields.Formatted = fields.BankAccount
		}
		state[recordKey(kind, owner, after.Key, r.RecordID)] = recordState{owner, kind, after.Key, fields.Formatted}
	default:
		return fmt.Errorf("audit record %d: unknown operation %q", r.Seq, r.Operation)
	}
	return nil
}

// recordProblems lists the broken invariants of a records snapshot: one
// live name or address per owner and type, a BIC code once per customer.
func recordProblems(now map[string]recordState) []string {
	var problems []string
	perOwnerType := map[string]int{}
	for k, st := range now {
		if strings.HasSuffix(k, " (twice)") {
			problems = append(problems, fmt.Sprintf("%s shows BIC code %s twice", st.Owner, st.Key))
		}
		if st.Kind != string(contactd.KindBIC) {
			perOwnerType[st.Owner+" "+st.Kind+" "+st.Key]++
		}
	}
	for k, n := range perOwnerType {
		if n > 1 {
			problems = append(problems, fmt.Sprintf("%s: %d live records", k, n))
		}
	}
	return problems
}

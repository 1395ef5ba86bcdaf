package sandboxtest_test

import (
	"errors"
	"testing"

	"github.com/contactd/contactd/client"
	"github.com/contactd/contactd/sandboxtest"
)

// TestSuiteClient runs the Name, Address and BIC calls of the client on a
// live sandbox, reads each change back through Customer and Account, and
// matches the refusals with errors.Is.
func TestSuiteClient(t *testing.T) {
	s := sandboxtest.Start(t)
	c := newClient(t, s)
	const ird = "132244227"

	nameID, err := c.CreateName(ctx, client.IRD, ird, client.Preferred, client.NameParts{FirstName: "Ana", LastName: "Tane"})
	if err != nil {
		t.Fatalf("CreateName: %v", err)
	}
	if _, err := c.CreateName(ctx, client.IRD, ird, client.Preferred, client.NameParts{FirstName: "X"}); !errors.Is(err, client.NAM101) {
		t.Fatalf("a second preferred name: %v, want NAM101", err)
	}
	if err := c.UpdateName(ctx, nameID, client.NameParts{FirstName: "Aroha", LastName: "Tane"}); err != nil {
		t.Fatalf("UpdateName: %v", err)
	}

	addressID, err := c.CreateAddress(ctx, client.CreateAddressRequest{CustomerID: ird, CustomerIDType: client.IRD,
		Type: client.Mailing, NewZealand: &client.DeliveryPoint{DPID: 827994, Attention: "Accounts"}})
	if err != nil {
		t.Fatalf("CreateAddress: %v", err)
	}
	if err := c.UpdateAddress(ctx, addressID, &client.AddressFields{Street: "12 RATA STREET",
		City: "WELLINGTON", PostCode: "6011", Country: "NZ", Urbanisation: "TE ARO"}, nil); err != nil {
		t.Fatalf("UpdateAddress: %v", err)
	}
	accountAddress, err := c.CreateAddress(ctx, client.CreateAddressRequest{AccountID: "132243158INC002", Type: client.AccountPhysical,
		Address: &client.AddressFields{Street: "1 GEORGE STREET", City: "SYDNEY", State: "AU-NSW", PostCode: "2000", Country: "AU", Urbanisation: "THE ROCKS"}})
	if err != nil {
		t.Fatalf("CreateAddress on an account: %v", err)
	}
	if err := c.AddBIC(ctx, client.IRD, ird, "A019960", "2021-08-31"); err != nil {
		t.Fatalf("AddBIC: %v", err)
	}

	cust, err := c.Customer(ctx, client.IRD, ird)
	if err != nil {
		t.Fatal(err)
	}
	var name *client.Name
	for i := range cust.Name {
		if cust.Name[i].NameID == nameID {
			name = &cust.Name[i]
		}
	}
	if name == nil || name.FirstName != "Aroha" || name.Type != client.Preferred {
		t.Fatalf("names %+v, want %d as Aroha", cust.Name, nameID)
	}
	var address *client.Address
	for i := range cust.Address {
		if cust.Address[i].AddressID == addressID {
			address = &cust.Address[i]
		}
	}
	if address == nil || address.Street != "12 RATA STREET" || address.Type != client.Mailing || address.Formatted == "" {
		t.Fatalf("addresses %+v, want %d on RATA STREET", cust.Address, addressID)
	}
	if len(cust.BIC) != 1 || cust.BIC[0].BICCode != "A019960" {
		t.Fatalf("BIC codes %+v", cust.BIC)
	}
	acc, err := c.Account(ctx, "132243158INC002")
	if err != nil {
		t.Fatal(err)
	}
	if len(acc.Address) != 1 || acc.Address[0].AddressID != accountAddress || acc.Address[0].Country != "AU" {
		t.Fatalf("account addresses %+v", acc.Address)
	}

	if err := c.DeleteName(ctx, nameID); err != nil {
		t.Fatalf("DeleteName: %v", err)
	}
	if err := c.DeleteName(ctx, nameID); !errors.Is(err, client.CST404) {
		t.Fatalf("deleting it again: %v, want CST404", err)
	}
	if err := c.DeleteAddress(ctx, addressID); err != nil {
		t.Fatalf("DeleteAddress: %v", err)
	}
	if err := c.DeleteAddress(ctx, 5342356299); !errors.Is(err, client.ADR100) {
		t.Fatalf("deleting a LOC: %v, want ADR100", err)
	}
	if err := c.DeleteBIC(ctx, client.IRD, ird, "A019960", ""); err != nil {
		t.Fatalf("DeleteBIC: %v", err)
	}
	if err := c.DeleteBIC(ctx, client.IRD, ird, "A019960", ""); !errors.Is(err, client.BIC101) {
		t.Fatalf("ceasing it again: %v, want BIC101", err)
	}
	// Bank and Period.
	const account = "132245746NRT005"
	if err := c.SetBankAccount(ctx, client.SetBankAccountRequest{AccountID: account, NameOnAccount: "Test",
		NewZealand: &client.NZBankAccount{Bank: "03", Branch: "1528", Account: "00065296", Suffix: "0050"}}); err != nil {
		t.Fatalf("SetBankAccount: %v", err)
	}
	if acc, err := c.Account(ctx, account); err != nil || string(acc.Extra["BankAccount"]) != `"03-1528-00065296-0050"` {
		t.Fatalf("the account's bank account: %s (%v)", acc.Extra["BankAccount"], err)
	}
	if err := c.SetBankAccount(ctx, client.SetBankAccountRequest{AccountID: account, NameOnAccount: "Test",
		NewZealand: &client.NZBankAccount{Bank: "00", Branch: "0000", Account: "00000000", Suffix: "0000"}}); !errors.Is(err, client.BNK100) {
		t.Fatalf("an all-zero number: %v, want BNK100", err)
	}
	if err := c.DeleteBankAccount(ctx, account); err != nil {
		t.Fatalf("DeleteBankAccount: %v", err)
	}
	if err := c.DeleteBankAccount(ctx, account); !errors.Is(err, client.BNK101) {
		t.Fatalf("deleting it again: %v, want BNK101", err)
	}
	periods, err := c.Periods(ctx, "069096409EMP003", "2020-05-01", "2020-06-30")
	if err != nil || len(periods) != 2 || periods[0].PeriodEnd != "2020-06-30" {
		t.Fatalf("Periods: %+v (%v)", periods, err)
	}
	for _, api := range []string{client.AddressAPI, client.NameAPI, client.BICAPI, client.BankAPI, client.PeriodAPI} {
		if err := c.Status(ctx, api); err != nil {
			t.Errorf("Status(%s): %v", api, err)
		}
	}
}

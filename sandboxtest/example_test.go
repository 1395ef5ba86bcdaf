package sandboxtest_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/contactd/contactd/client"
	"github.com/contactd/contactd/sandboxtest"
)

// A vendor's whole round trip on a fresh sandbox: add a contact to a
// customer, find it through the customer read, add a phone, and delete it.
func Example() {
	sb, err := sandboxtest.New() // a fresh sandbox on a loopback port
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()

	ctx := context.Background()
	c, err := client.New(sb.URL, client.WithTokenSource(client.StaticToken(sb.Token)))
	if err != nil {
		log.Fatal(err)
	}

	id, err := c.CreateContact(ctx, client.CreateContactRequest{
		CustomerID:     "069096409",
		CustomerIDType: client.IRD,
		Contact: client.NewContact{
			ContactType: client.Secondary,
			Name:        "Ana Tane",
			Phone:       []client.Phone{{PhoneType: client.Mobile, Country: "NZ", PhoneNumber: "0211234567"}},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created contact", id)

	phoneID, err := c.AddPhone(ctx, id, client.Phone{PhoneType: client.Business, Country: "AU", AreaCode: "02", PhoneNumber: "92345678"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("added phone", phoneID)

	customer, err := c.Customer(ctx, client.IRD, "069096409")
	if err != nil {
		log.Fatal(err)
	}
	for _, contact := range customer.Contact {
		fmt.Printf("%d %s %s, %d phones\n", contact.ContactID, contact.ContactType, contact.Name, len(contact.Phone))
	}

	if err := c.DeleteContact(ctx, id); err != nil {
		log.Fatal(err)
	}
	fmt.Println("deleted contact", id)
	// Output:
	// created contact 9005454545846
	// added phone 9005454545848
	// 1295148032 PRIMRY Louie Wagner, 2 phones
	// 9005454545846 SCNDRY Ana Tane, 2 phones
	// deleted contact 9005454545846
}

// Refusals of the API are *client.Error values carrying the published
// code, which errors.Is matches.
func Example_errors() {
	sb, err := sandboxtest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()
	c, err := client.New(sb.URL, client.WithTokenSource(client.StaticToken(sb.Token)))
	if err != nil {
		log.Fatal(err)
	}

	// Customer 069096409 already has a primary contact.
	_, err = c.CreateContact(context.Background(), client.CreateContactRequest{
		CustomerID: "069096409", CustomerIDType: client.IRD,
		Contact: client.NewContact{ContactType: client.Primary, Name: "Second Primary",
			Phone: []client.Phone{{PhoneType: client.Home, Country: "NZ", PhoneNumber: "073471234"}}},
	})
	var e *client.Error
	if errors.Is(err, client.CNT101) && errors.As(err, &e) {
		fmt.Println(e.Status, e.Code, e.Message)
	}

	// EV1100 names the offending field.
	_, err = c.Customer(context.Background(), client.IRD, "136-410-132")
	if errors.As(err, &e) && e.Code == client.EV1100 {
		fmt.Println(e.Code, "field:", e.Field())
	}
	// Output:
	// 400 CNT101 There is an existing contact of this type.
	// EV1100 field: CustomerID
}

// A customer's accounts, each read with its contacts.
func Example_accounts() {
	sb, err := sandboxtest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer sb.Close()
	c, err := client.New(sb.URL, client.WithTokenSource(client.StaticToken(sb.Token)))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	accounts, err := c.ListAccounts(ctx, client.CST, "1512100301")
	if err != nil {
		log.Fatal(err)
	}
	for _, a := range accounts {
		account, err := c.Account(ctx, a.ID)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(account.ID, account.AccountType, account.Status, len(account.Contact), "contacts")
	}
	// Output:
	// 512100301REB001 REB ACT 0 contacts
	// 512100301INC003 INC ACT 0 contacts
	// 512100301AIL023 AIL ACT 0 contacts
}

package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/contactd/contactd/client"
)

// A vendor's whole round trip on a fresh sandbox: add a contact to a
// customer, find it through the customer read, add a phone, and delete it.
func Example() {
	sb, err := startSandbox() // a fresh contactd sandbox on a loopback port
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

// Refusals of the API are *client.Error values carrying the published code.
func ExampleError() {
	sb, err := startSandbox()
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
	if errors.As(err, &e) && e.Code == client.CNT101 {
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

func ExampleClient_ListAccounts() {
	sb, err := startSandbox()
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

// A client of the real gateway: mutual TLS with the vendor's client
// certificate, machine-to-machine JWTs signed with the registered signing
// key, and idempotency keys so that creations can be retried.
func ExampleMachineJWT() {
	read := func(name string) []byte {
		b, err := os.ReadFile(name)
		if err != nil {
			log.Fatal(err)
		}
		return b
	}
	tokens, err := client.MachineJWT(read("signing.key"), read("signing.crt"), "my-software-id", "")
	if err != nil {
		log.Fatal(err)
	}
	c, err := client.New("https://gateway.example/gateway",
		client.WithTokenSource(tokens),
		client.WithTLS(read("tls-client.crt"), read("tls-client.key"), nil),
		client.WithIdempotencyKeys(client.NewIdempotencyKey),
		client.WithRetries(3, client.DefaultBackoff),
	)
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Status(context.Background(), client.ContactAPI); err != nil {
		log.Fatal(err)
	}
}

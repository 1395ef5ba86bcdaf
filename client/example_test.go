package client_test

import (
	"context"
	"log"
	"os"

	"github.com/contactd/contactd/client"
)

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

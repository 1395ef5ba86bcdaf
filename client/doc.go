// Package client calls New Zealand Inland Revenue's Contact, Customer and
// Account APIs (release 2021-09-14), on the real gateway or on contactd.
//
// A Client is made once with New and a base URL that ends in /gateway
// (or /secure/gateway, the published basePath), and is safe for concurrent
// use:
//
//	c, err := client.New("https://gateway.example/gateway",
//		client.WithTokenSource(tokens),
//		client.WithTLS(certPEM, keyPEM, caPEM),
//		client.WithIdempotencyKeys(client.NewIdempotencyKey))
//
// Every call takes a context, and every refusal of the API comes back as an
// *Error carrying the published code:
//
//	id, err := c.CreateContact(ctx, req)
//	var e *client.Error
//	if errors.As(err, &e) && e.Code == client.CNT101 {
//		// the owner already has a live contact of that type
//	}
//
// # Retries
//
// Calls that cannot change anything twice are retried on network errors, on
// 5xx answers and on 429 (after the Retry-After the server asks for): the
// status checks (GET), renames, phone updates and deletes (PUT, DELETE), and
// the customer, account and account-list reads, which are POSTs by the
// published interface but read only. The two calls that create something,
// CreateContact and AddPhone, are retried only when they carry an
// Idempotency-Key (see WithIdempotencyKeys), with the same key on every
// attempt. No other 4xx answer is ever retried.
//
// A retried DELETE whose first attempt took effect before its answer was
// lost answers CST404 on the next attempt: the record is gone either way.
//
// # Credentials
//
// A TokenSource gives the whole Authorization header value of each attempt:
// OAuthBearer for OAuth 2.0 access tokens, MachineJWT for signed
// machine-to-machine JWTs, StaticToken for a contactd sandbox. Without one
// no Authorization header is sent, which the API answers with EV1021.
package client

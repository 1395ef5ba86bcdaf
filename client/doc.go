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
// *Error carrying the published code, an ErrorCode, which errors.Is
// matches:
//
//	id, err := c.CreateContact(ctx, req)
//	if errors.Is(err, client.CNT101) {
//		// the owner already has a live contact of that type
//	}
//	var e *client.Error
//	if errors.As(err, &e) {
//		log.Printf("%s %s (request %s)", e.Code, e.Message, e.RequestID)
//	}
//
// # Request IDs
//
// Every call sends an X-Request-ID, the same on each of its attempts: the
// caller's (ContextWithRequestID) or a new random one. The server logs it
// and sends it back. A failed call's *Error carries it; ContextWithCallInfo
// gives it, with the status and the number of attempts, for any call,
// successful or not. WithUserAgent names the caller's software to the
// operator.
//
// # Testing
//
// The package sandboxtest of the server module,
// github.com/contactd/contactd/sandboxtest, starts a contactd sandbox inside
// a Go test: sandboxtest.Start(t) gives its URL and a token.
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

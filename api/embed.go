// Package api holds the published specification of the Inland Revenue
// Contact, Customer and Account APIs (release 2021-09-14) and a validator for
// request bodies built at run time from that specification.
//
// The Swagger 2.0 files and the sample messages are embedded unchanged in
// Files. RequestSchema turns a request definition of those files into a
// Schema whose Validate method applies the schema rules of SPEC-README.md
// (rules 2, 11 and 12) and names the first offending field.
package api

import "embed"

// Files holds the published Swagger 2.0 files (*.yaml, at the root) and the
// published sample messages (under sample-messages/), exactly as published.
//
//go:embed *.yaml sample-messages
var Files embed.FS

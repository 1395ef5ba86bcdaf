// Package api holds the published specification of Inland Revenue's
// customer services suite: the Contact, Customer, Account, Address, Bank
// (release 2021-09-14), Period (2021-10-28), BIC (2021-11-29) and Name
// (2023-07-27) APIs, and a validator for request bodies built at run time
// from that specification.
//
// The Swagger 2.0 files, the sample messages and IRD's persona and error
// table (TEST-DETAILS.md) are embedded unchanged in Files, with SUITE.md, the
// rulings that make the eight APIs one suite. RequestSchema turns a request
// definition of those files into a Schema whose Validate method applies the
// schema rules of SPEC-README.md (rules 2, 11 and 12) and SUITE.md (ruling 2
// on a missing address field; ruling 6 on dates) and names the first
// offending field.
package api

import "embed"

// Files holds the published Swagger 2.0 files (one per API, *.yaml, at the
// root; SpecFile names them), the published sample messages (under
// sample-messages/{api}/), TEST-DETAILS.md and SUITE.md, exactly as
// published.
//
//go:embed *.yaml sample-messages TEST-DETAILS.md SUITE.md
var Files embed.FS

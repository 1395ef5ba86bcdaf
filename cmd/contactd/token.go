package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/contactd/contactd/auth"
)

func token(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: contactd token

Prints an unsigned JWT that a sandbox (contactd serve --sandbox) accepts for
9 minutes. Send it as the Authorization header, with or without "Bearer ".
A production contactd never accepts it.

Example:
  curl -H "Authorization: $(contactd token)" localhost:8080/gateway/contact/status
`)
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	t, err := auth.NewSandboxToken(time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, t)
	return nil
}

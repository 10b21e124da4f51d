// Command wxpub publishes the bilingual newsletter on a WeChat Official Account and answers
// followers' keyword queries. This package only wires the others together: each cobra
// command parses its flags and calls a method of App.
package main

import (
	"errors"
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if err := newRootCmd().Execute(); err != nil {
		var quiet *exitError
		if !errors.As(err, &quiet) {
			fmt.Fprintln(os.Stderr, "wxpub:", err)
		}
		os.Exit(1)
	}
}

// exitError ends the command with a non-zero status after it has already told the user why
// (lint prints its findings itself).
type exitError struct{ msg string }

func (e *exitError) Error() string { return e.msg }

// Command wxpub publishes the bilingual newsletter on a WeChat Official Account and answers
// followers' keyword queries. This package only wires the others together: each cobra
// command parses its flags and calls a method of App.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	root := newRootCmd()
	cmd, err := root.ExecuteC()
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, "wxpub:", err)
	var usage *usageError
	if errors.As(err, &usage) || strings.HasPrefix(err.Error(), "unknown command") {
		if usage != nil {
			cmd = usage.cmd
		}
		fmt.Fprintf(os.Stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	os.Exit(1)
}

// usageError is a command line that does not fit the command: an unknown flag, a bad
// flag value, too few or too many arguments. main follows it with a hint to --help.
type usageError struct {
	cmd *cobra.Command
	err error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// exitError ends the command with a non-zero status after it has already told the user why
// (lint prints its findings itself), with a one-line summary.
type exitError struct{ msg string }

func (e *exitError) Error() string { return e.msg }

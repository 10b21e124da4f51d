// Command wxpub publishes the bilingual newsletter on a WeChat Official Account and answers
// followers' keyword queries. This package only wires the others together: each cobra
// command parses its flags and calls a method of App.
package main

import "wxpub/internal/cli"

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() { cli.Run(newRootCmd()) }

// Package cli holds what wxpub's command line needs of cobra beyond the commands
// themselves: mistakes in the command line end with a hint to --help, boolean flags read
// as --json rather than --json[=true|false], and errors end the process with a status.
package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// UsageError is a command line that does not fit the command: an unknown flag, a bad flag
// value, too few or too many arguments. Run follows it with a hint to --help.
type UsageError struct {
	Cmd *cobra.Command
	Err error
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Polish makes every command under root report usage mistakes as *UsageError and shows
// boolean flags without pflag's [=true|false] (they take no value).
func Polish(root *cobra.Command) {
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return &UsageError{Cmd: c, Err: err} })
	var wrap func(c *cobra.Command)
	wrap = func(c *cobra.Command) {
		if args := c.Args; args != nil {
			c.Args = func(cmd *cobra.Command, a []string) error {
				if err := args(cmd, a); err != nil {
					return &UsageError{Cmd: cmd, Err: err}
				}
				return nil
			}
		}
		for _, sub := range c.Commands() {
			wrap(sub)
		}
	}
	wrap(root)
	usage := root.UsageFunc()
	root.SetUsageFunc(func(c *cobra.Command) error {
		w := c.OutOrStderr()
		var b bytes.Buffer
		c.SetOut(&b)
		err := usage(c)
		c.SetOut(w)
		io.WriteString(w, strings.ReplaceAll(b.String(), "[=true|false]", "             "))
		return err
	})
}

// Run executes root and exits the process: 0 on success; else 1 after printing the error,
// and a hint to --help when the command line was at fault.
func Run(root *cobra.Command) {
	cmd, err := root.ExecuteC()
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, root.Name()+":", err)
	var usage *UsageError
	if errors.As(err, &usage) || strings.HasPrefix(err.Error(), "unknown command") {
		if usage != nil {
			cmd = usage.Cmd
		}
		fmt.Fprintf(os.Stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	os.Exit(1)
}

// SignalContext ends on SIGINT or SIGTERM.
func SignalContext(parent context.Context) (context.Context, context.CancelFunc) {
	if parent == nil {
		parent = context.Background()
	}
	return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
}

// VersionCmd prints name, version and the VCS revision the binary was built from.
func VersionCmd(name, version string) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print " + name + "'s version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, args []string) {
			rev := ""
			if bi, ok := debug.ReadBuildInfo(); ok {
				for _, s := range bi.Settings {
					if s.Key == "vcs.revision" {
						rev = " " + s.Value
					}
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s%s (%s %s/%s)\n", name, version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		},
	}
}

// NewLogger is a logger at level ("info" when it is not one) writing text for people,
// coloured on a terminal, or JSON for collectors.
func NewLogger(level, format string, w io.Writer) *logrus.Logger {
	log := logrus.New()
	log.SetOutput(w)
	lvl, err := logrus.ParseLevel(level)
	if err != nil {
		lvl = logrus.InfoLevel
	}
	log.SetLevel(lvl)
	if format == "json" {
		log.SetFormatter(&logrus.JSONFormatter{})
	} else {
		f, ok := w.(*os.File)
		tty := ok && term.IsTerminal(int(f.Fd()))
		log.SetFormatter(&logrus.TextFormatter{ForceColors: tty, DisableTimestamp: tty})
	}
	return log
}

// ExitError ends a command with a non-zero status and a one-line summary, after the
// command has told the user the details itself (lint prints its findings).
type ExitError struct{ Msg string }

func (e *ExitError) Error() string { return e.Msg }

package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
)

// Usage mistakes come back as *UsageError naming the command; booleans show as --flag.
func TestPolish(t *testing.T) {
	root := &cobra.Command{Use: "tool", SilenceErrors: true, SilenceUsage: true}
	sub := &cobra.Command{Use: "sub FILE", Args: cobra.ExactArgs(1), RunE: func(*cobra.Command, []string) error { return nil }}
	var on bool
	sub.Flags().BoolVar(&on, "json", false, "print JSON")
	root.AddCommand(sub)
	Polish(root)
	for _, args := range [][]string{{"sub"}, {"sub", "--nope", "x"}} {
		root.SetArgs(args)
		_, err := root.ExecuteC()
		var ue *UsageError
		if !errors.As(err, &ue) || ue.Cmd.Name() != "sub" {
			t.Errorf("%q: %v, want a usage error of sub", args, err)
		}
	}
	var out bytes.Buffer
	sub.SetOut(&out)
	if err := sub.Usage(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "--json ") || strings.Contains(out.String(), "[=true|false]") {
		t.Errorf("usage:\n%s", out.String())
	}
}

func TestNewLogger(t *testing.T) {
	var b bytes.Buffer
	log := NewLogger("warn", "json", &b)
	log.Info("hidden")
	log.Warn("shown")
	if strings.Contains(b.String(), "hidden") || !strings.Contains(b.String(), `"msg":"shown"`) {
		t.Errorf("log: %s", b.String())
	}
	if NewLogger("shout", "text", &b).GetLevel() != logrus.InfoLevel {
		t.Error("an unknown level is not info")
	}
}

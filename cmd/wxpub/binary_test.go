package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The built binary, run from its own folder as a new user would: its own file is not
// taken for a config file, mistakes end with a hint to --help, and flags read as typed.
func TestBinaryInItsFolder(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "wxpub")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	runBin := func(args ...string) (string, string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+dir)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		return out.String(), errOut.String(), err
	}
	if out, errOut, err := runBin("version"); err != nil || !strings.HasPrefix(out, "wxpub ") {
		t.Errorf("version in the binary's folder: %v %q %q", err, out, errOut)
	}
	for _, c := range []struct{ args, hint string }{
		{"frob", "Run 'wxpub --help' for usage."},
		{"render --nope x.md", "Run 'wxpub render --help' for usage."},
		{"render", "Run 'wxpub render --help' for usage."},
	} {
		_, errOut, err := runBin(strings.Fields(c.args)...)
		if err == nil || !strings.Contains(errOut, c.hint) {
			t.Errorf("wxpub %s: %v %q, want the hint %q", c.args, err, errOut, c.hint)
		}
	}
	out, _, err := runBin("ask", "--help")
	if err != nil || !strings.Contains(out, "--json ") || strings.Contains(out, "[=true|false]") {
		t.Errorf("ask --help shows its boolean flag as:\n%s", out)
	}
	// A config file that is broken names itself.
	os.WriteFile(filepath.Join(dir, "wxpub.yaml"), []byte("log: [\n"), 0o600)
	if _, errOut, err := runBin("version"); err == nil || !strings.Contains(errOut, "wxpub.yaml") {
		t.Errorf("a broken wxpub.yaml: %v %q", err, errOut)
	}
}

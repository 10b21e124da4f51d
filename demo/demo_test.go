package demo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The demo's folder: a new one is made private and marked; its own is emptied; any other
// folder with something in it is refused and left as it was.
func TestPrepareDemoDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	if err := prepareDemoDir(dir); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("new folder: %v %v", fi.Mode(), err)
	}
	os.WriteFile(filepath.Join(dir, "wxpub.db"), []byte("old"), 0o600)
	if err := prepareDemoDir(dir); err != nil {
		t.Fatalf("its own folder: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "wxpub.db")); !os.IsNotExist(err) {
		t.Errorf("its own folder was not emptied: %v", err)
	}
	foreign := t.TempDir()
	doc := filepath.Join(foreign, "contract.docx")
	os.WriteFile(doc, []byte("precious"), 0o600)
	if err := prepareDemoDir(foreign); err == nil || !strings.Contains(err.Error(), "not made by wxpub demo") {
		t.Errorf("a foreign folder: %v", err)
	}
	if data, _ := os.ReadFile(doc); string(data) != "precious" {
		t.Error("a foreign file was touched")
	}
	if _, err := os.Stat(filepath.Join(foreign, demoMarker)); !os.IsNotExist(err) {
		t.Error("a foreign folder was marked")
	}
}

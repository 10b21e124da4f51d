package outfile

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestRegularFiles(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()
	cases := []struct {
		name     string
		existing os.FileMode // 0: no file before
		newMode  os.FileMode
		want     os.FileMode
	}{
		{"new public file", 0, Public, 0o644},
		{"new secret file", 0, Private, 0o600},
		{"existing 0600 file keeps its mode", 0o600, Public, 0o600},
		{"existing 0640 file keeps its mode", 0o640, Private, 0o640},
	}
	for i, c := range cases {
		path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".html")
		if c.existing != 0 {
			if err := os.WriteFile(path, []byte("old"), c.existing); err != nil {
				t.Fatal(err)
			}
			os.Chmod(path, c.existing)
		}
		body := "new " + string(rune('a'+i))
		if err := Write(path, []byte(body), c.newMode); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		fi, _ := os.Stat(path)
		if got := read(t, path); got != body || fi.Mode().Perm() != c.want {
			t.Errorf("%s: %q %v, want %q %v", c.name, got, fi.Mode().Perm(), body, c.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != len(cases) {
		t.Errorf("temporary files left: %d entries", len(entries))
	}
}

// A symlink stays a link; the file it names gets the content (also when it does not
// exist yet).
func TestSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.html")
	os.WriteFile(real, []byte("old"), 0o600)
	link := filepath.Join(dir, "link.html")
	if err := os.Symlink("real.html", link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, []byte("new"), Public); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Lstat(link)
	if fi.Mode()&os.ModeSymlink == 0 || read(t, real) != "new" {
		t.Errorf("link replaced (%v) or target not written (%q)", fi.Mode(), read(t, real))
	}
	if rfi, _ := os.Stat(real); rfi.Mode().Perm() != 0o600 {
		t.Errorf("target mode %v", rfi.Mode().Perm())
	}
	dangling := filepath.Join(dir, "dangling.html")
	os.Symlink(filepath.Join(dir, "later.html"), dangling)
	if err := Write(dangling, []byte("x"), Public); err != nil || read(t, filepath.Join(dir, "later.html")) != "x" {
		t.Errorf("dangling link: %v", err)
	}
}

// A FIFO (like /dev/null or a pipe, not a regular file) is written to directly and stays
// what it was.
func TestFIFOAndDevice(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- err.Error()
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- string(b)
	}()
	if err := Write(fifo, []byte("through the pipe"), Public); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-got:
		if s != "through the pipe" {
			t.Errorf("read %q", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("nothing came through the FIFO")
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the FIFO was replaced: %v %v", fi.Mode(), err)
	}
	// Only after the FIFO case proved that nothing is renamed over a special file:
	// /dev/null, which a broken helper run as root would destroy.
	if err := Write(os.DevNull, []byte("discarded"), Public); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("%s is no longer a device: %v %v", os.DevNull, fi.Mode(), err)
	}
}

func TestRefusals(t *testing.T) {
	dir := t.TempDir()
	if err := Write(dir, []byte("x"), Public); err == nil || !strings.Contains(err.Error(), "write "+dir+": is a directory") {
		t.Errorf("directory: %v", err)
	}
	ro := filepath.Join(dir, "ro")
	os.Mkdir(ro, 0o555)
	path := filepath.Join(ro, "out.html")
	if os.Geteuid() == 0 {
		// root writes into any folder: /proc refuses new files even to root.
		path = "/proc/wxpub-out.html"
	}
	err := Write(path, []byte("x"), Public)
	if err == nil || !strings.HasPrefix(err.Error(), "write "+path+": ") || strings.Contains(err.Error(), ".wxpub-") {
		t.Errorf("read-only folder: %v (want an error naming %s and no temporary file)", err, path)
	}
	if err := Write(filepath.Join(dir, "missing", "out.html"), []byte("x"), Public); err == nil || !strings.Contains(err.Error(), "missing/out.html") {
		t.Errorf("missing folder: %v", err)
	}
}

package store

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// TestMain lets TestFreshStoreOpenedByManyProcesses run the test binary as another
// process that opens a store: with WXPUB_HELPER_OPEN set it opens that DSN and exits.
func TestMain(m *testing.M) {
	if dsn := os.Getenv("WXPUB_HELPER_OPEN"); dsn != "" {
		s, err := Open(context.Background(), dsn)
		if err != nil {
			fmt.Fprintln(os.Stderr, "OPEN FAILED:", err)
			os.Exit(3)
		}
		s.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Processes opening one fresh SQLite store at once all get it, migrated once: a busy
// database waits, and no migration is applied twice.
func TestFreshStoreOpenedByManyProcesses(t *testing.T) {
	for round := 0; round < 20; round++ {
		dsn := "sqlite://" + filepath.Join(t.TempDir(), "fresh.db")
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(os.Args[0])
				cmd.Env = append(os.Environ(), "WXPUB_HELPER_OPEN="+dsn)
				if out, err := cmd.CombinedOutput(); err != nil {
					errs <- fmt.Errorf("%v: %s", err, out)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("round %d: %v", round, err)
		}
		s, err := Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		var n, distinct int
		if err := s.db.QueryRow(`SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations`).Scan(&n, &distinct); err != nil || n != distinct {
			t.Errorf("round %d: %d migration rows for %d versions (%v)", round, n, distinct, err)
		}
		s.Close()
	}
}

// The database and its folder are the owner's only, whatever the umask.
func TestStoreFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, "wxpub.db")
	s, err := Open(context.Background(), "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SaveIssue(context.Background(), sample(t), "h"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for p, want := range map[string]os.FileMode{dir: 0o700, path: 0o600, path + "-wal": 0o600} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v, want %v (%v)", p, fi.Mode().Perm(), want, err)
		}
	}
	// A database left readable by others is made private when opened.
	s.Close()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(context.Background(), "sqlite://"+path)
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("reopened: %v", fi.Mode().Perm())
	}
}

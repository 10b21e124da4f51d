package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"wxpub/store"
)

// TestMain lets tests run the test binary as wxpub in a process of its own: with
// WXPUB_HELPER_ARGS set it runs those arguments and exits.
func TestMain(m *testing.M) {
	if args := os.Getenv("WXPUB_HELPER_ARGS"); args != "" {
		cmd := newRootCmd()
		cmd.SetArgs(strings.Split(args, "\x1f"))
		if err := cmd.Execute(); err != nil {
			fmt.Fprintln(os.Stderr, "wxpub:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// wxpubProcess runs wxpub with args in a process of its own.
func wxpubProcess(args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "WXPUB_HELPER_ARGS="+strings.Join(args, "\x1f"))
	return cmd
}

// Several staff publishing the same issue at once: exactly one draft, one publish, one
// preview and one send reach WeChat, and every run ends well.
func TestConcurrentPublishRuns(t *testing.T) {
	sb, _ := sandboxEnv(t)
	// Each API call takes a while, as the live one does: the first run is still going
	// when the others start, so they must wait for it (without latency, a fast first run
	// could finish before the others read the store, and nothing would be tested).
	sb.SetLatency(100 * time.Millisecond)
	const runs = 5
	var wg sync.WaitGroup
	outs := make([]string, runs)
	errs := make([]error, runs)
	for i := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := wxpubProcess("--log-level", "info", "publish", filepath.Join(repoRoot, "issue/testdata/sample-135.md"),
				"--preview-to", "wxname:staff_phone", "--publish", "--broadcast", "--yes").CombinedOutput()
			outs[i], errs[i] = string(out), err
		}()
	}
	wg.Wait()
	waited := 0
	for i := range runs {
		if errs[i] != nil {
			t.Errorf("run %d: %v\n%s", i, errs[i], outs[i])
		}
		if strings.Contains(outs[i], "is being published by") && strings.Contains(outs[i], "waiting") {
			waited++
		}
	}
	if waited == 0 {
		t.Errorf("no run said it waited for another:\n%s", strings.Join(outs, "\n---\n"))
	}
	published := 0
	for _, j := range sb.Published() {
		if j.Status == 0 {
			published++
		}
	}
	if d, p, m := len(sb.Drafts()), len(sb.Previews()), len(sb.MassSends()); d != 1 || published != 1 || p != 1 || m != 1 {
		t.Errorf("%d drafts, %d published, %d previews, %d mass sends; want one of each", d, published, p, m)
	}
}

// With --no-wait a run facing another's lease stops at once, before any API call.
func TestPublishNoWait(t *testing.T) {
	sb, dsn := sandboxEnv(t)
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.TakeLease(context.Background(), store.Lease{Issue: 135, Owner: "other", Host: "desk7", PID: 4242, Holder: "li"}, time.Minute); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = run(t, "publish", sample, "--no-wait")
	if err == nil || !strings.Contains(err.Error(), "issue 135 is being published by li@desk7/4242 since") || !strings.Contains(err.Error(), "--no-wait") {
		t.Errorf("err = %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("--no-wait waited %s", time.Since(start))
	}
	if n := len(sb.Calls()); n != 0 {
		t.Errorf("%d API calls while another run holds the issue", n)
	}
}

// A run whose holder died is taken over once the lease expires.
func TestPublishTakesOverAnExpiredLease(t *testing.T) {
	sb, dsn := sandboxEnv(t)
	t.Setenv("WXPUB_PUBLISH_LEASE_TTL", "1s")
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.TakeLease(context.Background(), store.Lease{Issue: 135, Owner: "dead", Host: "desk7", PID: 4242}, time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, "publish", sample); err != nil {
		t.Fatal(err)
	}
	if len(sb.Drafts()) != 1 {
		t.Errorf("%d drafts", len(sb.Drafts()))
	}
}

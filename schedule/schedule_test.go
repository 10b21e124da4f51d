package schedule

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"wxpub/internal/testenv"
	"wxpub/lint"
	"wxpub/publish"
	"wxpub/store"
)

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

func TestParseAt(t *testing.T) {
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC) // 16:00 in Shanghai
	for _, c := range []struct {
		in, want, err string
	}{
		{in: "2026-12-01 09:00", want: "2026-12-01 09:00:00 CST"},
		{in: "2026-12-01T09:00:30", want: "2026-12-01 09:00:30 CST"},
		{in: "+2h", want: "2026-11-27 18:00:00 CST"},
		{in: " +90m ", want: "2026-11-27 17:30:00 CST"},
		{in: "2026-12-01T09:00:00Z", want: "2026-12-01 17:00:00 CST"},
		{in: "2026-11-27 15:59", err: "not in the future"},
		{in: "+0s", err: "positive duration"},
		{in: "+soon", err: "positive duration"},
		{in: "tomorrow", err: "YYYY-MM-DD HH:MM"},
	} {
		got, err := ParseAt(c.in, now, shanghai)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, want an error saying %q", c.in, err, c.err)
			}
		case err != nil:
			t.Errorf("%q: %v", c.in, err)
		case got.Format("2006-01-02 15:04:05 MST") != c.want:
			t.Errorf("%q = %s, want %s", c.in, got.Format("2006-01-02 15:04:05 MST"), c.want)
		}
	}
}

// replica is one process's scheduler, counting what it ran.
type replica struct {
	s    *Scheduler
	mu   sync.Mutex
	runs []int
}

func openStore(t *testing.T, dsn string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func startReplica(t *testing.T, st *store.Store, run func(j Job) error) *replica {
	t.Helper()
	r := &replica{}
	s, err := Open(context.Background(), st, Options{PollInterval: 50 * time.Millisecond, Account: "wxA", Run: func(ctx context.Context, j Job) (*publish.Result, error) {
		r.mu.Lock()
		r.runs = append(r.runs, j.Issue)
		r.mu.Unlock()
		time.Sleep(100 * time.Millisecond) // long enough for another replica to try too
		if err := run(j); err != nil {
			return nil, err
		}
		return &publish.Result{Issue: j.Issue, ArticleURL: fmt.Sprintf("https://mp.example/s/%d", j.Issue), Published: "published"}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	start(t, s)
	r.s = s
	return r
}

func waitFor(t *testing.T, s *Scheduler, id int64, state string) Scheduled {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		sc, err := s.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if sc.State == state {
			return sc
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d is %s (errors %v), want %s", id, sc.State, sc.Errors, state)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Jobs added by a process that runs none (the publish command) are each run once by one of
// the replicas sharing the database, when due and not before.
func TestEachJobRunsOnce(t *testing.T) {
	for _, engine := range []string{"postgres", "sqlite"} {
		t.Run(engine, func(t *testing.T) {
			dsn := "sqlite://" + filepath.Join(t.TempDir(), "wxpub.db")
			replicas := 1
			if engine == "postgres" {
				_, dsn = testenv.PostgresSchema(t, "")
				replicas = 2
			}
			adder, err := Open(context.Background(), openStore(t, dsn), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer adder.Close(context.Background())
			var rs []*replica
			for range replicas {
				rs = append(rs, startReplica(t, openStore(t, dsn), func(Job) error { return nil }))
			}
			due := time.Now().Add(1500 * time.Millisecond)
			var ids []int64
			for issue := 135; issue < 138; issue++ {
				sc, err := adder.Add(context.Background(), due, Job{Account: "wxA", Issue: issue, SnapshotID: "snap", Publish: true, Actor: "li"})
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, sc.ID)
			}
			time.Sleep(time.Until(due) - 300*time.Millisecond)
			for _, r := range rs {
				if len(r.runs) != 0 {
					t.Fatalf("a job ran before it was due: %v", r.runs)
				}
			}
			for i, id := range ids {
				sc := waitFor(t, adder, id, "done")
				if want := fmt.Sprintf("https://mp.example/s/%d", 135+i); sc.URL != want {
					t.Errorf("job %d output %q", id, sc.URL)
				}
			}
			count := map[int]int{}
			for _, r := range rs {
				r.mu.Lock()
				for _, n := range r.runs {
					count[n]++
				}
				r.mu.Unlock()
			}
			if fmt.Sprint(count) != "map[135:1 136:1 137:1]" {
				t.Errorf("runs per issue: %v", count)
			}
		})
	}
}

// One job waits per issue; a job that cannot succeed fails at once, saying why, while one
// that may succeed later is retried.
func TestDuplicatesAndFailures(t *testing.T) {
	st := openStore(t, "sqlite://"+filepath.Join(t.TempDir(), "wxpub.db"))
	r := startReplica(t, st, func(j Job) error {
		if j.Issue == 135 {
			return &publish.LintError{Findings: lint.Findings{{Severity: lint.Error, Message: "title too long"}}}
		}
		return errors.New("connection refused")
	})
	ctx := context.Background()
	far := time.Now().Add(time.Hour)
	first, err := r.s.Add(ctx, far, Job{Account: "wxA", Issue: 140})
	if err != nil {
		t.Fatal(err)
	}
	var dup *DuplicateError
	if _, err := r.s.Add(ctx, far.Add(time.Minute), Job{Account: "wxA", Issue: 140}); !errors.As(err, &dup) || dup.Existing.ID != first.ID {
		t.Fatalf("second job for the issue: %v", err)
	}
	if _, err := r.s.Add(ctx, far, Job{Account: "wxB", Issue: 140}); err != nil {
		t.Errorf("another account's job for the same number: %v", err)
	}
	if _, err := r.s.Cancel(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.s.Add(ctx, far, Job{Account: "wxA", Issue: 140}); err != nil {
		t.Errorf("after cancelling: %v", err)
	}
	if _, err := r.s.Cancel(ctx, 999999); !errors.Is(err, ErrNotFound) {
		t.Errorf("cancel of no job: %v", err)
	}

	lintJob, err := r.s.Add(ctx, time.Now().Add(100*time.Millisecond), Job{Account: "wxA", Issue: 135})
	if err != nil {
		t.Fatal(err)
	}
	netJob, err := r.s.Add(ctx, time.Now().Add(100*time.Millisecond), Job{Account: "wxA", Issue: 136})
	if err != nil {
		t.Fatal(err)
	}
	otherAccount, err := r.s.Add(ctx, time.Now().Add(100*time.Millisecond), Job{Account: "wxB", Issue: 150})
	if err != nil {
		t.Fatal(err)
	}
	failed := waitFor(t, r.s, lintJob.ID, "cancelled")
	if !strings.Contains(failed.Why(), "title too long") || failed.Attempts != 1 {
		t.Errorf("the failed job says %q after %d attempts", failed.Why(), failed.Attempts)
	}
	retrying := waitFor(t, r.s, netJob.ID, "retrying")
	if !strings.Contains(retrying.Why(), "connection refused") {
		t.Errorf("the retrying job says %q", retrying.Why())
	}
	// Another account's job, due as long: never taken by this account's replica.
	if sc, _ := r.s.Get(ctx, otherAccount.ID); sc.State != "scheduled" || sc.Attempts != 0 {
		t.Errorf("another account's job was run here: %+v", sc)
	}
	if n := testutil.ToFloat64(r.s.outcomes.WithLabelValues("failed")); n != 1 {
		t.Errorf("failed metric %v", n)
	}
	list, err := r.s.List(ctx, "wxA", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 4 {
		t.Errorf("the account's jobs: %+v", list)
	}
}

// A daily task runs at start on one replica, not once per replica.
func TestDailyTaskRunsOnce(t *testing.T) {
	_, dsn := testenv.PostgresSchema(t, "")
	var mu sync.Mutex
	runs := 0
	task := Daily{Name: "count", Run: func(context.Context) error { mu.Lock(); runs++; mu.Unlock(); return nil }}
	for range 2 {
		s, err := Open(context.Background(), openStore(t, dsn), Options{PollInterval: 50 * time.Millisecond, Daily: []Daily{task}})
		if err != nil {
			t.Fatal(err)
		}
		start(t, s)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := runs
		mu.Unlock()
		if n >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // time for a wrong second run
	mu.Lock()
	defer mu.Unlock()
	if runs != 1 {
		t.Errorf("the daily task ran %d times on two replicas, want once", runs)
	}
}

// start runs s's workers until the test ends.
func start(t *testing.T, s *Scheduler) {
	t.Helper()
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Close(ctx)
	})
}

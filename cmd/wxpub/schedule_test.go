package main

import (
	"bufio"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"wxpub/internal/testenv"
	"wxpub/wechat/sandbox"
)

// server is a `wxpub serve` process whose log the test reads.
type server struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  strings.Builder
	done chan struct{}
}

func startServer(t *testing.T) *server {
	t.Helper()
	s := &server{cmd: wxpubProcess("serve", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0"), done: make(chan struct{})}
	pipe, err := s.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			s.mu.Lock()
			s.log.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
		}
		s.cmd.Wait()
	}()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.done
		if t.Failed() {
			t.Logf("serve %d log:\n%s", s.cmd.Process.Pid, s.logText())
		}
	})
	return s
}

func (s *server) logText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// scheduleEnv is a sandbox and a store for serve processes that run scheduled jobs quickly.
func scheduleEnv(t *testing.T, opt sandbox.Options) *sandbox.Sandbox {
	t.Helper()
	sb := testenv.Sandbox(t, opt)
	t.Setenv("WXPUB_WECHAT_APP_ID", sandbox.DemoAppID)
	t.Setenv("WXPUB_WECHAT_APP_SECRET", sandbox.DemoAppSecret)
	t.Setenv("WXPUB_WECHAT_API_BASE", sb.URL())
	t.Setenv("WXPUB_WECHAT_TOKEN", "scheduletoken")
	t.Setenv("WXPUB_SCHEDULE_POLL_INTERVAL", "200ms")
	t.Setenv("WXPUB_SCHEDULE_JOB_TIMEOUT", "8s")
	t.Setenv("WXPUB_SCHEDULE_RESCUE_AFTER", "9s")
	t.Setenv("WXPUB_PUBLISH_LEASE_TTL", "2s")
	t.Setenv("WXPUB_LOG_FORMAT", "text")
	return sb
}

func scheduledJobs(t *testing.T, all bool) []jobJSON {
	t.Helper()
	args := []string{"schedule", "list", "--json"}
	if all {
		args = append(args, "--all")
	}
	out, err := run(t, args...)
	if err != nil {
		t.Fatalf("schedule list: %v\n%s", err, out)
	}
	var jobs []jobJSON
	if err := json.Unmarshal([]byte(out), &jobs); err != nil {
		t.Fatalf("schedule list --json: %v\n%s", err, out)
	}
	return jobs
}

func waitJob(t *testing.T, id int64, state string, within time.Duration) jobJSON {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		for _, j := range scheduledJobs(t, true) {
			if j.ID == id && j.State == state {
				return j
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d is not %s after %s: %+v", id, state, within, scheduledJobs(t, true))
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func livePublications(sb *sandbox.Sandbox) int {
	n := 0
	for _, j := range sb.Published() {
		if j.Status == 0 {
			n++
		}
	}
	return n
}

// A job scheduled two seconds ahead, with two serve replicas sharing PostgreSQL: the
// replica that runs it is killed mid-publish, the other takes the job up, and the issue is
// published exactly once.
func TestScheduledPublishSurvivesAKilledReplica(t *testing.T) {
	// Publishing takes four seconds on WeChat's side: time to kill the replica waiting
	// for it.
	sb := scheduleEnv(t, sandbox.Options{PublishDelay: 4 * time.Second})
	_, dsn := testenv.PostgresSchema(t, "")
	t.Setenv("WXPUB_STORE_DSN", dsn)
	out, err := run(t, "publish", sample, "--publish", "--at", "+2s", "--as", "li")
	if err != nil || !strings.Contains(out, "Issue 135 scheduled as job") {
		t.Fatalf("publish --at: %v\n%s", err, out)
	}
	jobs := scheduledJobs(t, false)
	if len(jobs) != 1 || jobs[0].Issue != 135 || jobs[0].State != "scheduled" || jobs[0].By != "li" || !jobs[0].Publish {
		t.Fatalf("schedule list: %+v", jobs)
	}
	if n := len(sb.Calls()); n != 0 {
		t.Fatalf("scheduling made %d API calls", n)
	}
	a, b := startServer(t), startServer(t)
	// Kill whichever replica submits the publish job.
	deadline := time.Now().Add(20 * time.Second)
	var victim, survivor *server
	for victim == nil {
		for _, pair := range [][2]*server{{a, b}, {b, a}} {
			if strings.Contains(pair[0].logText(), "publish draft") {
				victim, survivor = pair[0], pair[1]
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no replica started the job:\nA:\n%s\nB:\n%s", a.logText(), b.logText())
		}
		time.Sleep(20 * time.Millisecond)
	}
	victim.cmd.Process.Kill()
	<-victim.done
	if n := livePublications(sb); n != 0 {
		t.Fatalf("published before the kill took effect: %d", n)
	}
	j := waitJob(t, jobs[0].ID, "done", 90*time.Second)
	// serve writes its log in batches (every 200 ms): give the line time to arrive.
	for wait := time.Now().Add(3 * time.Second); !strings.Contains(survivor.logText(), "scheduled publication done"); {
		if time.Now().After(wait) {
			t.Errorf("the surviving replica did not finish the job:\n%s", survivor.logText())
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n, submits := livePublications(sb), len(sb.Published()); n != 1 || submits != 1 {
		t.Errorf("%d published of %d submitted, want exactly one of one", n, submits)
	}
	if j.URL == "" || len(sb.Drafts()) != 1 {
		t.Errorf("job %+v, %d drafts", j, len(sb.Drafts()))
	}
	// The history names who scheduled it; the job ran in their name.
	out, err = run(t, "status", "135")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"published " + j.URL, "li", "scheduled", "drafted"} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
}

// On SQLite, one replica runs the job once; a job that cannot succeed fails at once and
// says why, sending nothing.
func TestScheduledPublishOnSQLite(t *testing.T) {
	sb := scheduleEnv(t, sandbox.Options{PublishDelay: 20 * time.Millisecond})
	t.Setenv("WXPUB_STORE_DSN", "sqlite://"+filepath.Join(t.TempDir(), "wxpub.db"))
	if _, err := run(t, "publish", sample, "--publish", "--at", "+2s"); err != nil {
		t.Fatal(err)
	}
	// A second job for the same issue is refused while the first waits.
	if _, err := run(t, "publish", sample, "--at", "+1h"); err == nil || !strings.Contains(err.Error(), "already scheduled as job") {
		t.Errorf("second job: %v", err)
	}
	jobs := scheduledJobs(t, false)
	if len(jobs) != 1 {
		t.Fatalf("%+v", jobs)
	}
	startServer(t)
	j := waitJob(t, jobs[0].ID, "done", 30*time.Second)
	if livePublications(sb) != 1 || j.URL == "" {
		t.Errorf("%d published, job %+v", livePublications(sb), j)
	}

	// A broadcast on an account that has spent today's mass send fails loudly, once.
	sb.SetUsed("/cgi-bin/message/mass/sendall", sandbox.DefaultDailyCallLimit)
	if _, err := run(t, "publish", sample, "--broadcast", "--yes", "--at", "+1s"); err != nil {
		t.Fatal(err)
	}
	jobs = scheduledJobs(t, false)
	failed := waitJob(t, jobs[0].ID, "cancelled", 30*time.Second)
	if len(failed.Errors) != 1 || !strings.Contains(failed.Errors[0], "45009") {
		t.Errorf("failed job: %+v", failed)
	}
	out, _ := run(t, "schedule", "list", "--all")
	if !strings.Contains(out, "cancelled") || !strings.Contains(out, "45009") {
		t.Errorf("schedule list does not say why:\n%s", out)
	}
	if n := len(sb.MassSends()); n != 0 {
		t.Errorf("%d mass sends", n)
	}
}

// publish --at checks what it can before it stores anything.
func TestScheduleRefusals(t *testing.T) {
	sandboxEnv(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"publish", sample, "--at", "2020-01-01 09:00"}, "not in the future"},
		{[]string{"publish", sample, "--at", "soon"}, "YYYY-MM-DD HH:MM"},
		{[]string{"publish", sample, "--at", "+1h", "--broadcast"}, "--yes"},
		{[]string{"publish", sample, "--at", "+1h", "--dry-run"}, "--dry-run"},
		{[]string{"schedule", "cancel", "77"}, "no such job"},
		{[]string{"schedule", "show", "x"}, "job number"},
	} {
		if _, err := run(t, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
	if jobs := scheduledJobs(t, true); len(jobs) != 0 {
		t.Errorf("refused runs scheduled %+v", jobs)
	}
}

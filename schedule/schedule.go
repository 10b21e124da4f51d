// Package schedule publishes stored issues later: `wxpub publish FILE --at TIME` keeps the
// issue's snapshot and a job, and `wxpub serve` runs the job when it is due. No WeChat API
// publishes at a set time, so wxpub does; the jobs are River's (github.com/riverqueue/river),
// kept in the store's own database (SQLite or PostgreSQL), so that each runs on exactly one
// replica, a job whose replica died is taken up by another, and a job that cannot run says
// why.
package schedule

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"wxpub/publish"
	"wxpub/store"
	"wxpub/wechat"
)

// Kind is the River job kind of a scheduled publication.
const Kind = "wxpub_publish"

// Job is what a scheduled publication does: publish one stored snapshot as far as the
// flags given to `wxpub publish --at` said, as the person who scheduled it.
type Job struct {
	// Account is the AppID the job publishes to.
	Account    string `json:"account" river:"unique"`
	Issue      int    `json:"issue" river:"unique"`
	SnapshotID string `json:"snapshot_id"`
	// Name is the file the snapshot came from, for people.
	Name      string   `json:"name"`
	Publish   bool     `json:"publish"`
	Broadcast bool     `json:"broadcast"`
	Replace   bool     `json:"replace"`
	PreviewTo []string `json:"preview_to,omitempty"`
	// Actor scheduled it; the job publishes in their name.
	Actor string `json:"actor"`
}

// Kind implements river.JobArgs.
func (Job) Kind() string { return Kind }

// Scheduled is a job as `schedule list` and `schedule show` print it.
type Scheduled struct {
	ID    int64
	Job   Job
	At    time.Time
	State string // scheduled, running, retrying, done, failed, cancelled
	// Attempts made, of MaxAttempts.
	Attempts, MaxAttempts int
	// Errors are the failed attempts' errors, oldest first.
	Errors []string
	// URL is where the job published the issue, once done.
	URL string
}

// Why is the last failure, if any.
func (s Scheduled) Why() string {
	if len(s.Errors) == 0 {
		return ""
	}
	return s.Errors[len(s.Errors)-1]
}

// Runner publishes a job's snapshot (cmd wires it to a publish.Publisher for the job's
// account).
type Runner func(ctx context.Context, j Job) (*publish.Result, error)

// Options configure a Scheduler.
type Options struct {
	// Run publishes a due job; nil makes a scheduler that only adds, lists and cancels.
	Run Runner
	// Account is the AppID whose jobs Run publishes: each account's jobs wait in a queue
	// of their own, so that a server of one account never takes another's.
	Account string
	// JobTimeout bounds one attempt (default 15 minutes: a publish waits up to
	// publish.poll_timeout for WeChat).
	JobTimeout time.Duration
	// RescueAfter is how long a job may stay running before another replica takes it up
	// as abandoned (its replica died); more than JobTimeout (default JobTimeout + 1 minute).
	RescueAfter time.Duration
	// PollInterval is how often a replica looks for due jobs (default 1 second).
	PollInterval time.Duration
	// MaxAttempts a job gets before it fails for good (default 5); errors that another
	// attempt cannot fix fail it at once.
	MaxAttempts int
	// Log receives River's warnings and errors (nil: discarded) and the outcome of each job.
	Log *slog.Logger
	// ID names this replica among River's clients (default River's own).
	ID string
	// Daily are tasks run once a day by one replica (and once at start): insight's
	// retention, say.
	Daily []Daily
}

// Daily is a task run once a day by one of the replicas.
type Daily struct {
	Name string
	Run  func(ctx context.Context) error
}

// dailyJob runs one of the Daily tasks.
type dailyJob struct {
	Name string `json:"name"`
}

func (dailyJob) Kind() string { return "wxpub_daily" }

// dailyQueue keeps daily tasks apart from publish jobs, which only replicas that can
// publish take.
const dailyQueue = "wxpub_daily"

type dailyWorker struct {
	river.WorkerDefaults[dailyJob]
	tasks map[string]func(ctx context.Context) error
	log   *slog.Logger
}

func (w *dailyWorker) Work(ctx context.Context, job *river.Job[dailyJob]) error {
	run, ok := w.tasks[job.Args.Name]
	if !ok {
		return river.JobCancel(fmt.Errorf("no daily task %q on this replica", job.Args.Name))
	}
	if err := run(ctx); err != nil {
		w.log.Error("daily task failed", "task", job.Args.Name, "error", err)
		return err
	}
	return nil
}

// Scheduler adds, lists and cancels jobs, and with Options.Run set and Start called, runs
// them.
type Scheduler struct {
	client    *river.Client[*sql.Tx]
	closePool func() error
	log       *slog.Logger
	outcomes  *prometheus.CounterVec
}

// Open opens the jobs kept in st's database, creating River's tables when needed.
func Open(ctx context.Context, st *store.Store, opt Options) (*Scheduler, error) {
	db, closePool, err := st.JobPool()
	if err != nil {
		return nil, err
	}
	var driver riverdriver.Driver[*sql.Tx]
	if st.Engine() == "postgres" {
		driver = riverdatabasesql.New(db)
	} else {
		driver = riversqlite.New(db)
	}
	err = st.Exclusive(ctx, func(ctx context.Context) error {
		m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: quiet()})
		if err != nil {
			return err
		}
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		return err
	})
	if err != nil {
		closePool()
		return nil, fmt.Errorf("schedule: create the job tables: %w", err)
	}
	s := &Scheduler{closePool: closePool, log: opt.Log,
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wxpub_scheduled_jobs_total",
			Help: "Scheduled publications run by this replica, by outcome (published, retrying, failed)."}, []string{"outcome"})}
	if s.log == nil {
		s.log = quiet()
	}
	for _, o := range []string{"published", "retrying", "failed"} {
		s.outcomes.WithLabelValues(o)
	}
	cfg := &river.Config{Logger: s.log, ID: opt.ID, MaxAttempts: cmpOr(opt.MaxAttempts, 5)}
	if opt.Run != nil || len(opt.Daily) > 0 {
		cfg.JobTimeout = cmpOr(opt.JobTimeout, 15*time.Minute)
		cfg.RescueStuckJobsAfter = cmpOr(opt.RescueAfter, cfg.JobTimeout+time.Minute)
		cfg.FetchPollInterval = cmpOr(opt.PollInterval, time.Second)
		cfg.FetchCooldown = min(cfg.FetchPollInterval, river.FetchCooldownDefault)
		cfg.Queues = map[string]river.QueueConfig{}
		cfg.Workers = river.NewWorkers()
	}
	if opt.Run != nil {
		// A replica that cannot publish (no AppSecret) does not take publish jobs.
		cfg.Queues[Queue(opt.Account)] = river.QueueConfig{MaxWorkers: 2}
		if err := river.AddWorkerSafely(cfg.Workers, &worker{run: opt.Run, s: s}); err != nil {
			closePool()
			return nil, err
		}
	}
	if len(opt.Daily) > 0 {
		cfg.Queues[dailyQueue] = river.QueueConfig{MaxWorkers: 1}
		daily := &dailyWorker{tasks: map[string]func(context.Context) error{}, log: s.log}
		for _, d := range opt.Daily {
			daily.tasks[d.Name] = d.Run
			name := d.Name
			// Periodic jobs are inserted by the elected leader only: one run a day in all.
			cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(24*time.Hour),
				func() (river.JobArgs, *river.InsertOpts) {
					return dailyJob{Name: name}, &river.InsertOpts{Queue: dailyQueue}
				},
				&river.PeriodicJobOpts{RunOnStart: true}))
		}
		if err := river.AddWorkerSafely(cfg.Workers, daily); err != nil {
			closePool()
			return nil, err
		}
	}
	s.client, err = river.NewClient(driver, cfg)
	if err != nil {
		closePool()
		return nil, fmt.Errorf("schedule: %w", err)
	}
	return s, nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// Collectors are the scheduler's metrics, for the admin listener's /metrics.
func (s *Scheduler) Collectors() []prometheus.Collector { return []prometheus.Collector{s.outcomes} }

// Start runs due jobs until Stop (Options.Run must be set).
func (s *Scheduler) Start(ctx context.Context) error {
	if err := s.client.Start(ctx); err != nil {
		return fmt.Errorf("schedule: start: %w", err)
	}
	return nil
}

// Close stops running jobs (waiting for those under way, until ctx ends) and closes the
// scheduler's connections.
func (s *Scheduler) Close(ctx context.Context) error {
	var err error
	if s.client != nil {
		select {
		case <-s.client.Stopped():
		default:
			if stopErr := s.client.Stop(ctx); stopErr != nil && !strings.Contains(stopErr.Error(), "not started") {
				err = stopErr
			}
		}
	}
	return errors.Join(err, s.closePool())
}

// DuplicateError is Add's answer when the issue has a job waiting already.
type DuplicateError struct {
	Existing Scheduled
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("issue %d is already scheduled as job %d for %s; cancel it first: wxpub schedule cancel %d",
		e.Existing.Job.Issue, e.Existing.ID, e.Existing.At.Format("2006-01-02 15:04 MST"), e.Existing.ID)
}

// waiting are the states of a job that has not finished.
var waiting = []rivertype.JobState{rivertype.JobStateScheduled, rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRunning, rivertype.JobStateRetryable}

// Add schedules j for at. One issue of an account has one job waiting at most: a second
// is a *DuplicateError naming the first.
func (s *Scheduler) Add(ctx context.Context, at time.Time, j Job) (Scheduled, error) {
	res, err := s.client.Insert(ctx, j, &river.InsertOpts{ScheduledAt: at, Queue: Queue(j.Account),
		UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: waiting}, Tags: []string{"issue-" + strconv.Itoa(j.Issue)}})
	if err != nil {
		return Scheduled{}, fmt.Errorf("schedule issue %d: %w", j.Issue, err)
	}
	sc, err := fromRow(res.Job)
	if err != nil {
		return Scheduled{}, err
	}
	if res.UniqueSkippedAsDuplicate {
		return Scheduled{}, &DuplicateError{Existing: sc}
	}
	return sc, nil
}

// Queue is the River queue of an account's publish jobs.
func Queue(account string) string {
	var b strings.Builder
	b.WriteString("publish_")
	for _, r := range strings.ToLower(account) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-' {
			b.WriteRune(r)
		}
	}
	if b.Len() == len("publish_") {
		return "publish"
	}
	return b.String()
}

// ErrNotFound is the error (wrapped) for a job that does not exist.
var ErrNotFound = errors.New("no such job")

// Get returns one job.
func (s *Scheduler) Get(ctx context.Context, id int64) (Scheduled, error) {
	row, err := s.client.JobGet(ctx, id)
	if errors.Is(err, rivertype.ErrNotFound) || (err == nil && row.Kind != Kind) {
		return Scheduled{}, fmt.Errorf("job %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Scheduled{}, fmt.Errorf("job %d: %w", id, err)
	}
	return fromRow(row)
}

// List returns the account's jobs, soonest first: those waiting, and with all set those
// finished too.
func (s *Scheduler) List(ctx context.Context, account string, all bool) ([]Scheduled, error) {
	params := river.NewJobListParams().Kinds(Kind).First(1000).OrderBy(river.JobListOrderByScheduledAt, river.SortOrderAsc)
	if !all {
		params = params.States(waiting...)
	}
	res, err := s.client.JobList(ctx, params)
	if err != nil {
		return nil, fmt.Errorf("list scheduled jobs: %w", err)
	}
	var out []Scheduled
	for _, row := range res.Jobs {
		sc, err := fromRow(row)
		if err != nil {
			return nil, err
		}
		if sc.Job.Account == account {
			out = append(out, sc)
		}
	}
	return out, nil
}

// Cancel cancels a job that has not run yet (or is waiting to retry); one running now is
// asked to stop but may finish first.
func (s *Scheduler) Cancel(ctx context.Context, id int64) (Scheduled, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return Scheduled{}, err
	}
	row, err := s.client.JobCancel(ctx, id)
	if err != nil {
		return Scheduled{}, fmt.Errorf("cancel job %d: %w", id, err)
	}
	return fromRow(row)
}

func fromRow(row *rivertype.JobRow) (Scheduled, error) {
	sc := Scheduled{ID: row.ID, At: row.ScheduledAt, Attempts: row.Attempt, MaxAttempts: row.MaxAttempts, State: state(row.State)}
	if err := json.Unmarshal(row.EncodedArgs, &sc.Job); err != nil {
		return Scheduled{}, fmt.Errorf("job %d: %w", row.ID, err)
	}
	for _, e := range row.Errors {
		sc.Errors = append(sc.Errors, e.Error)
	}
	if out := row.Output(); len(out) > 0 {
		var o output
		if json.Unmarshal(out, &o) == nil {
			sc.URL = o.URL
		}
	}
	return sc, nil
}

// state says a River state in the words `schedule list` uses.
func state(s rivertype.JobState) string {
	switch s {
	case rivertype.JobStateScheduled, rivertype.JobStateAvailable, rivertype.JobStatePending:
		return "scheduled"
	case rivertype.JobStateRetryable:
		return "retrying"
	case rivertype.JobStateCompleted:
		return "done"
	case rivertype.JobStateDiscarded:
		return "failed"
	}
	return string(s)
}

// output is what a finished job records.
type output struct {
	URL       string `json:"url,omitempty"`
	Published string `json:"published,omitempty"`
	Broadcast string `json:"broadcast,omitempty"`
}

type worker struct {
	river.WorkerDefaults[Job]
	run Runner
	s   *Scheduler
}

// Work publishes the job's snapshot. The publish steps are idempotent and guarded by the
// issue's publish lease, so an attempt that follows one that died (on this replica or
// another) finishes the job without repeating a step. Errors another attempt cannot fix
// cancel the job at once, with the reason kept for `schedule list`.
func (w *worker) Work(ctx context.Context, job *river.Job[Job]) error {
	j := job.Args
	log := w.s.log.With("job", job.ID, "issue", j.Issue)
	res, err := w.run(ctx, j)
	if err == nil {
		w.s.outcomes.WithLabelValues("published").Inc()
		log.Info("scheduled publication done", "url", res.ArticleURL)
		return river.RecordOutput(ctx, output{URL: res.ArticleURL, Published: res.Published, Broadcast: res.Broadcast})
	}
	if Permanent(err) || job.Attempt >= job.MaxAttempts {
		w.s.outcomes.WithLabelValues("failed").Inc()
		log.Error("scheduled publication failed", "attempt", job.Attempt, "error", err)
		if job.Attempt >= job.MaxAttempts {
			return err
		}
		return river.JobCancel(err)
	}
	w.s.outcomes.WithLabelValues("retrying").Inc()
	log.Warn("scheduled publication failed; will retry", "attempt", job.Attempt, "of", job.MaxAttempts, "error", err)
	return err
}

// Permanent reports whether err is one that running the job again cannot fix: the issue
// breaks a limit, the account may not do it (48001), a quota is spent for the day, an
// approval is missing, the change needs a person's decision, or the snapshot is gone.
func Permanent(err error) bool {
	var (
		lint     *publish.LintError
		noPub    *publish.NoFreepublishError
		approval *publish.ApprovalError
		replace  *publish.ReplaceError
		sent     *publish.SentCorrectionError
		failed   *publish.PublishError
		api      *wechat.APIError
	)
	switch {
	case errors.As(err, &lint), errors.As(err, &noPub), errors.As(err, &approval), errors.As(err, &replace),
		errors.As(err, &sent), errors.As(err, &failed), errors.Is(err, store.ErrNotFound):
		return true
	case errors.As(err, &api):
		return !wechat.Retryable(err)
	}
	return false
}

// ParseAt reads a time as staff write it, in loc: "2026-12-01 09:00" (seconds optional),
// "2026-12-01T09:00", RFC 3339 with its own zone, or "+2h" / "+90m" from now. A time not
// in the future is an error.
func ParseAt(s string, now time.Time, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	var at time.Time
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		d, err := time.ParseDuration(rest)
		if err != nil || d <= 0 {
			return time.Time{}, fmt.Errorf("--at %q: want a positive duration after +, such as +2h or +90m", s)
		}
		at = now.Add(d)
	} else if t, err := time.Parse(time.RFC3339, s); err == nil {
		at = t
	} else {
		for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05"} {
			if t, err := time.ParseInLocation(layout, s, loc); err == nil {
				at = t
				break
			}
		}
		if at.IsZero() {
			return time.Time{}, fmt.Errorf(`--at %q: want "YYYY-MM-DD HH:MM" (in %s) or +DURATION such as +2h`, s, loc)
		}
	}
	if !at.After(now) {
		return time.Time{}, fmt.Errorf("--at %q: %s is not in the future (now %s)", s, at.In(loc).Format("2006-01-02 15:04:05 MST"), now.In(loc).Format("15:04:05 MST"))
	}
	return at.In(loc), nil
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"wxpub/publish"
	"wxpub/schedule"
	"wxpub/store"
)

// openScheduler opens the jobs beside the store; with run set it can run them (serve).
func (a *App) openScheduler(ctx context.Context, st *store.Store, run schedule.Runner) (*schedule.Scheduler, error) {
	return a.openSchedulerWith(ctx, st, run, nil)
}

// openSchedulerWith also runs daily tasks.
func (a *App) openSchedulerWith(ctx context.Context, st *store.Store, run schedule.Runner, daily []schedule.Daily) (*schedule.Scheduler, error) {
	s := a.Config.Schedule
	return schedule.Open(ctx, st, schedule.Options{Run: run, Account: a.Config.WeChat.AppID, JobTimeout: s.JobTimeout, RescueAfter: s.RescueAfter,
		PollInterval: s.PollInterval, Log: slog.New(&logrusHandler{log: a.Log}), Daily: daily})
}

// when prints a time in the account's time zone.
func (a *App) when(t time.Time) string {
	return t.In(a.Config.Account.Location).Format("2006-01-02 15:04 MST")
}

// scheduleIssue stores the issue file's snapshot (images and all) and a job that publishes
// it at f.at, as far as the other flags say. Nothing is sent now.
func (a *App) scheduleIssue(ctx context.Context, path string, f publishFlags, to []string) error {
	if f.dryRun {
		return errors.New("--at and --dry-run: run the dry run without --at to see what the job will do")
	}
	if f.broadcast && !f.yes {
		return errors.New("--broadcast with --at sends to every follower when the job runs, with nobody to ask: add --yes to confirm (nothing was scheduled)")
	}
	at, err := schedule.ParseAt(f.at, time.Now(), a.Config.Account.Location)
	if err != nil {
		return err
	}
	opened, st, err := a.openAccount(ctx)
	if err != nil {
		return err
	}
	defer opened.Close()
	// The snapshot is linted now with the configured theme: a job that could only fail is
	// not scheduled (a theme changed before it runs is caught when it runs).
	if _, _, findings, err := a.check(path); err != nil {
		return err
	} else if findings.Errors() > 0 {
		return &publish.LintError{Findings: findings}
	}
	imported, err := publish.New(nil, st, a.reporter(), nil).Import(ctx, path)
	if err != nil {
		return err
	}
	im := imported[0]
	s, err := a.openScheduler(ctx, opened, nil)
	if err != nil {
		return err
	}
	defer s.Close(ctx)
	who := actor(f.as)
	job, err := s.Add(ctx, at, schedule.Job{Account: a.Config.WeChat.AppID, Issue: im.Issue.Number, SnapshotID: im.Snapshot.ID,
		Name: path, Publish: f.publish, Broadcast: f.broadcast, Replace: f.replace, PreviewTo: to, Actor: who})
	if err != nil {
		return err
	}
	if err := st.AddEvent(ctx, store.Event{Issue: im.Issue.Number, Actor: who, Action: store.ActionScheduled,
		Detail: fmt.Sprintf("job %d for %s: %s", job.ID, a.when(job.At), jobSteps(job.Job))}); err != nil {
		return err
	}
	a.notify(ctx, im.Issue.Number)
	fmt.Fprintf(a.Out, "Issue %d scheduled as job %d for %s (%s): %s.\nIt runs in wxpub serve; wxpub schedule list shows it, wxpub schedule cancel %d cancels it.\n",
		im.Issue.Number, job.ID, a.when(job.At), a.Config.Account.Timezone, jobSteps(job.Job), job.ID)
	return nil
}

// jobSteps says what a job will do.
func jobSteps(j schedule.Job) string {
	steps := []string{"draft"}
	if len(j.PreviewTo) > 0 {
		steps = append(steps, "preview to "+strings.Join(j.PreviewTo, ", "))
	}
	if j.Publish {
		steps = append(steps, "publish")
		if j.Replace {
			steps[len(steps)-1] += " (replacing the live article)"
		}
	}
	if j.Broadcast {
		steps = append(steps, "send to all followers")
	}
	return strings.Join(steps, ", ")
}

// runJob publishes a due job's snapshot, for serve's scheduler.
func (a *App) runJob(st *store.Store) schedule.Runner {
	return func(ctx context.Context, j schedule.Job) (*publish.Result, error) {
		if j.Account != a.Config.WeChat.AppID {
			// Each account's jobs wait in a queue of their own: this cannot happen unless
			// two accounts' AppIDs fold to one queue name.
			return nil, fmt.Errorf("job for account %s, but this server publishes to %s: %w", j.Account, a.Config.WeChat.AppID, store.ErrNotFound)
		}
		to, err := recipients(j.PreviewTo)
		if err != nil {
			return nil, err
		}
		opt, err := a.publishOptions(to)
		if err != nil {
			return nil, err
		}
		opt.Publish, opt.Broadcast, opt.Replace, opt.Actor = j.Publish, j.Broadcast, j.Replace, j.Actor
		client, err := a.client()
		if err != nil {
			return nil, err
		}
		p := publish.New(client, st, publish.NewReporter(nil, a.Log.WithFields(logrus.Fields{"issue": j.Issue}), false), nil)
		res, err := p.Publish(ctx, j.SnapshotID, opt)
		if res != nil {
			a.notify(ctx, j.Issue)
		}
		return res, err
	}
}

// ScheduleList prints the account's jobs.
func (a *App) ScheduleList(ctx context.Context, all, asJSON bool) error {
	return a.withScheduler(ctx, func(s *schedule.Scheduler) error {
		jobs, err := s.List(ctx, a.Config.WeChat.AppID, all)
		if err != nil {
			return err
		}
		if asJSON {
			return a.printJSON(jobsJSON(a, jobs))
		}
		if len(jobs) == 0 {
			fmt.Fprintln(a.Out, "No scheduled publications (wxpub publish FILE --at TIME schedules one; --all shows finished jobs).")
			return nil
		}
		w := tabwriter.NewWriter(a.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintf(w, "JOB\tISSUE\tWHEN (%s)\tSTATE\tDOES\tBY\tNOTE\n", a.Config.Account.Timezone)
		for _, j := range jobs {
			note := j.URL
			if why := j.Why(); why != "" && j.State != "done" {
				note = firstLine(why)
			}
			fmt.Fprintf(w, "%d\t%d\t%s\t%s\t%s\t%s\t%s\n", j.ID, j.Job.Issue, a.when(j.At), j.State, jobSteps(j.Job), j.Job.Actor, note)
		}
		return w.Flush()
	})
}

// ScheduleShow prints one job whole, with every failed attempt.
func (a *App) ScheduleShow(ctx context.Context, id int64, asJSON bool) error {
	return a.withScheduler(ctx, func(s *schedule.Scheduler) error {
		j, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if asJSON {
			return a.printJSON(jobsJSON(a, []schedule.Scheduled{j})[0])
		}
		fmt.Fprintf(a.Out, "Job %d: issue %d from %s (snapshot %.12s)\n", j.ID, j.Job.Issue, j.Job.Name, j.Job.SnapshotID)
		fmt.Fprintf(a.Out, "  when:     %s\n  state:    %s (attempt %d of %d)\n  does:     %s\n  by:       %s\n",
			a.when(j.At), j.State, j.Attempts, j.MaxAttempts, jobSteps(j.Job), j.Job.Actor)
		if j.URL != "" {
			fmt.Fprintf(a.Out, "  article:  %s\n", j.URL)
		}
		for i, e := range j.Errors {
			fmt.Fprintf(a.Out, "  error %d:  %s\n", i+1, strings.ReplaceAll(e, "\n", "\n            "))
		}
		return nil
	})
}

// ScheduleCancel cancels a job that has not run.
func (a *App) ScheduleCancel(ctx context.Context, id int64, as string) error {
	return a.withScheduler(ctx, func(s *schedule.Scheduler) error {
		j, err := s.Get(ctx, id)
		if err != nil {
			return err
		}
		if j.Job.Account != a.Config.WeChat.AppID {
			return fmt.Errorf("job %d: %w", id, schedule.ErrNotFound)
		}
		if j.State == "done" || j.State == "cancelled" || j.State == "failed" {
			return fmt.Errorf("job %d is %s already: nothing to cancel", id, j.State)
		}
		if j, err = s.Cancel(ctx, id); err != nil {
			return err
		}
		opened, st, err := a.openAccount(ctx)
		if err != nil {
			return err
		}
		defer opened.Close()
		if err := st.AddEvent(ctx, store.Event{Issue: j.Job.Issue, Actor: actor(as), Action: store.ActionCancelled,
			Detail: fmt.Sprintf("job %d for %s", j.ID, a.when(j.At))}); err != nil {
			return err
		}
		state := "cancelled"
		if j.State == "running" {
			state = "running now: asked to stop; it may finish first (wxpub schedule show " + strconv.FormatInt(id, 10) + ")"
		}
		fmt.Fprintf(a.Out, "Job %d (issue %d, %s): %s.\n", j.ID, j.Job.Issue, a.when(j.At), state)
		return nil
	})
}

func (a *App) withScheduler(ctx context.Context, fn func(*schedule.Scheduler) error) error {
	st, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	s, err := a.openScheduler(ctx, st, nil)
	if err != nil {
		return err
	}
	defer s.Close(ctx)
	return fn(s)
}

// jobJSON is a job as --json prints it.
type jobJSON struct {
	ID          int64    `json:"id"`
	Issue       int      `json:"issue"`
	At          string   `json:"at"`
	State       string   `json:"state"`
	Publish     bool     `json:"publish"`
	Broadcast   bool     `json:"broadcast"`
	Replace     bool     `json:"replace"`
	PreviewTo   []string `json:"preview_to,omitempty"`
	By          string   `json:"by"`
	SnapshotID  string   `json:"snapshot_id"`
	Attempts    int      `json:"attempts"`
	MaxAttempts int      `json:"max_attempts"`
	Errors      []string `json:"errors,omitempty"`
	URL         string   `json:"url,omitempty"`
}

func jobsJSON(a *App, jobs []schedule.Scheduled) []jobJSON {
	out := []jobJSON{}
	for _, j := range jobs {
		out = append(out, jobJSON{ID: j.ID, Issue: j.Job.Issue, At: j.At.In(a.Config.Account.Location).Format(time.RFC3339), State: j.State,
			Publish: j.Job.Publish, Broadcast: j.Job.Broadcast, Replace: j.Job.Replace, PreviewTo: j.Job.PreviewTo, By: j.Job.Actor,
			SnapshotID: j.Job.SnapshotID, Attempts: j.Attempts, MaxAttempts: j.MaxAttempts, Errors: j.Errors, URL: j.URL})
	}
	return out
}

func (a *App) printJSON(v any) error {
	enc := json.NewEncoder(a.Out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func newScheduleCmd(app func() *App) *cobra.Command {
	c := &cobra.Command{
		Use:   "schedule",
		Short: "List, show and cancel publications scheduled with publish --at",
		Long: `Jobs made by wxpub publish FILE --at TIME run in wxpub serve (any replica; exactly one
runs each). Times are in account.timezone. A job that cannot run fails with the reason
shown here (and in serve's log and the wxpub_scheduled_jobs_total metric).`,
	}
	var all, asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the scheduled publications (--all: finished ones too)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return app().ScheduleList(cmd.Context(), all, asJSON)
		},
	}
	list.Flags().BoolVar(&all, "all", false, "also list jobs that are done, failed or cancelled")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON, for scripts")
	show := &cobra.Command{
		Use:   "show JOB",
		Short: "Show one job, with the error of every failed attempt",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := jobID(args[0])
			if err != nil {
				return err
			}
			return app().ScheduleShow(cmd.Context(), id, asJSON)
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print JSON, for scripts")
	var as string
	cancel := &cobra.Command{
		Use:   "cancel JOB",
		Short: "Cancel a job that has not run",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := jobID(args[0])
			if err != nil {
				return err
			}
			return app().ScheduleCancel(cmd.Context(), id, as)
		},
	}
	cancel.Flags().StringVar(&as, "as", "", "who cancels it, for the audit trail (default: the OS user)")
	c.AddCommand(list, show, cancel)
	return c
}

func jobID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("JOB %q: want the job number that wxpub schedule list shows", s)
	}
	return id, nil
}

// logrusHandler is a slog.Handler writing to wxpub's logger, for River's messages.
type logrusHandler struct {
	log   logrus.FieldLogger
	attrs []slog.Attr
}

func (h *logrusHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *logrusHandler) Handle(_ context.Context, r slog.Record) error {
	fields := logrus.Fields{}
	for _, a := range h.attrs {
		fields[a.Key] = a.Value.Any()
	}
	r.Attrs(func(a slog.Attr) bool {
		fields[a.Key] = a.Value.Any()
		return true
	})
	e := h.log.WithFields(fields)
	switch {
	case r.Level >= slog.LevelError:
		e.Error(r.Message)
	case r.Level >= slog.LevelWarn:
		e.Warn(r.Message)
	case r.Level >= slog.LevelInfo:
		e.Info(r.Message)
	default:
		e.Debug(r.Message)
	}
	return nil
}

func (h *logrusHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logrusHandler{log: h.log, attrs: append(append([]slog.Attr(nil), h.attrs...), attrs...)}
}

func (h *logrusHandler) WithGroup(string) slog.Handler { return h }

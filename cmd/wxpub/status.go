package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"wxpub/publish"
	"wxpub/schedule"
	"wxpub/store"
)

// issueStatus is one issue's state and history, as `wxpub status` prints it.
type issueStatus struct {
	Issue int    `json:"issue"`
	Title string `json:"title"`
	Date  string `json:"date"`
	// State is stored, drafted, previewed, publishing, published, sent or failed.
	State      string      `json:"state"`
	Draft      string      `json:"draft,omitempty"`
	Previewed  []string    `json:"previewed,omitempty"`
	ArticleURL string      `json:"article_url,omitempty"`
	MassMsgID  int64       `json:"mass_msg_id,omitempty"`
	Scheduled  []jobJSON   `json:"scheduled,omitempty"`
	Approvals  []string    `json:"approvals,omitempty"` // of the latest version
	History    []eventJSON `json:"history,omitempty"`
}

type eventJSON struct {
	At     string `json:"at"`
	By     string `json:"by"`
	Action string `json:"action"`
	Detail string `json:"detail,omitempty"`
}

// stateWords turns a publication's step into the word staff read.
var stateWords = map[string]string{
	store.StepParsed: "stored", store.StepUploaded: "stored", store.StepDrafted: "drafted", store.StepPreviewed: "previewed",
	store.StepSubmitted: "publishing", store.StepPublished: "published", store.StepBroadcast: "sent", store.StepFailed: "failed",
}

// Status prints every issue's state (number 0) or one issue's whole history.
func (a *App) Status(ctx context.Context, number int, asJSON bool) error {
	opened, st, err := a.openAccount(ctx)
	if err != nil {
		return err
	}
	defer opened.Close()
	issues, err := st.Issues(ctx)
	if err != nil {
		return err
	}
	if number != 0 {
		issues = slices.DeleteFunc(issues, func(is store.Issue) bool { return is.Number != number })
		if len(issues) == 0 {
			return fmt.Errorf("issue %d: %w (wxpub import or publish stores it)", number, store.ErrNotFound)
		}
	}
	sched, err := a.openScheduler(ctx, opened, nil)
	if err != nil {
		return err
	}
	defer sched.Close(ctx)
	jobs, err := sched.List(ctx, a.Config.WeChat.AppID, false)
	if err != nil {
		return err
	}
	var out []issueStatus
	for _, is := range issues {
		s, err := a.issueStatus(ctx, st, is, jobs, number != 0)
		if err != nil {
			return err
		}
		out = append(out, s)
	}
	if asJSON {
		if number != 0 {
			return a.printJSON(out[0])
		}
		if out == nil {
			out = []issueStatus{}
		}
		return a.printJSON(out)
	}
	if number != 0 {
		a.writeStatus(out[0])
		return nil
	}
	if len(out) == 0 {
		fmt.Fprintln(a.Out, "No issues stored yet: wxpub import FILE or wxpub publish FILE stores one.")
		return nil
	}
	w := tabwriter.NewWriter(a.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ISSUE\tDATE\tSTATE\tARTICLE\tSCHEDULED")
	for _, s := range out {
		var when []string
		for _, j := range s.Scheduled {
			when = append(when, fmt.Sprintf("job %d %s", j.ID, a.when(mustTime(j.At))))
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", s.Issue, s.Date, s.State, s.ArticleURL, strings.Join(when, ", "))
	}
	return w.Flush()
}

func mustTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339, s)
	return t
}

func (a *App) issueStatus(ctx context.Context, st *store.Store, is store.Issue, jobs []schedule.Scheduled, history bool) (issueStatus, error) {
	s := issueStatus{Issue: is.Number, Title: is.Title.Joined(), Date: is.Date, State: "stored", ArticleURL: is.ArticleURL}
	pub, err := st.Publication(ctx, is.Number)
	switch {
	case err == nil:
		s.State, s.Draft, s.MassMsgID = stateWords[pub.Step], pub.DraftMediaID, pub.MassMsgID
		if pub.ArticleURL != "" {
			s.ArticleURL = pub.ArticleURL
		}
		for _, line := range strings.Split(pub.Previewed, "\n") {
			to, _, _ := strings.Cut(line, " ")
			if strings.HasSuffix(line, " ?") {
				to += " (may have been sent)"
			}
			if to != "" && !slices.Contains(s.Previewed, to) {
				s.Previewed = append(s.Previewed, to)
			}
		}
	case !errors.Is(err, store.ErrNotFound):
		return s, err
	}
	var mine []schedule.Scheduled
	for _, j := range jobs {
		if j.Job.Issue == is.Number {
			mine = append(mine, j)
		}
	}
	s.Scheduled = jobsJSON(a, mine)
	if len(mine) == 0 {
		s.Scheduled = nil
	}
	if !history {
		return s, nil
	}
	if snap, err := st.LatestSnapshot(ctx, is.Number); err == nil {
		approvals, err := st.Approvals(ctx, is.Number, snap.ID)
		if err != nil {
			return s, err
		}
		for _, ap := range approvals {
			s.Approvals = append(s.Approvals, ap.Approver)
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return s, err
	}
	events, err := st.Events(ctx, is.Number)
	if err != nil {
		return s, err
	}
	for _, e := range events {
		s.History = append(s.History, eventJSON{At: e.At.In(a.Config.Account.Location).Format(time.RFC3339), By: e.Actor, Action: e.Action, Detail: e.Detail})
	}
	return s, nil
}

func (a *App) writeStatus(s issueStatus) {
	w := a.Out
	fmt.Fprintf(w, "Issue %d “%s” (%s)\n", s.Issue, s.Title, s.Date)
	state := s.State
	switch {
	case s.State == "sent" && s.ArticleURL != "":
		state = fmt.Sprintf("published %s · sent to all followers (msg_id %d)", s.ArticleURL, s.MassMsgID)
	case s.State == "sent":
		state = fmt.Sprintf("sent to all followers (msg_id %d)", s.MassMsgID)
	case s.State == "published":
		state += " " + s.ArticleURL
	}
	fmt.Fprintf(w, "  state:      %s\n", state)
	if s.Draft != "" {
		fmt.Fprintf(w, "  draft:      %s\n", s.Draft)
	}
	if len(s.Previewed) > 0 {
		fmt.Fprintf(w, "  previewed:  %s\n", strings.Join(s.Previewed, ", "))
	}
	for _, j := range s.Scheduled {
		fmt.Fprintf(w, "  scheduled:  job %d for %s, %s (by %s)\n", j.ID, a.when(mustTime(j.At)), j.State, j.By)
	}
	if len(s.Approvals) > 0 {
		fmt.Fprintf(w, "  approved:   by %s (this version)\n", strings.Join(s.Approvals, ", "))
	}
	if len(s.History) > 0 {
		fmt.Fprintln(w, "  history:")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		for _, e := range s.History {
			fmt.Fprintf(tw, "    %s\t%s\t%s\t%s\n", a.when(mustTime(e.At)), e.By, e.Action, e.Detail)
		}
		tw.Flush()
	}
}

// Approve records a second person's sign-off on an issue as stored now (a number: its
// latest import) or as in a file (imported first), for publish.require_approval.
func (a *App) Approve(ctx context.Context, arg, as string) error {
	opened, st, err := a.openAccount(ctx)
	if err != nil {
		return err
	}
	defer opened.Close()
	var snap store.Snapshot
	if n, err := strconv.Atoi(arg); err == nil {
		if snap, err = st.LatestSnapshot(ctx, n); err != nil {
			return fmt.Errorf("approve issue %d: %w (import or publish it first)", n, err)
		}
	} else {
		imported, err := publish.New(nil, st, a.reporter(), nil).Import(ctx, arg)
		if err != nil {
			return err
		}
		snap = imported[0].Snapshot
	}
	who := actor(as)
	if err := st.Approve(ctx, store.Approval{Issue: snap.IssueNumber, SnapshotID: snap.ID, Approver: who}); err != nil {
		return err
	}
	fmt.Fprintf(a.Out, "Issue %d as imported from %s at %s (snapshot %.12s) is approved by %s.\n", snap.IssueNumber, snap.Name,
		a.when(time.Unix(snap.CreatedAt, 0)), snap.ID, who)
	if !a.Config.Publish.RequireApproval {
		fmt.Fprintln(a.Out, "(publish.require_approval is off: broadcasts do not wait for approvals.)")
	}
	return nil
}

func newStatusCmd(app func() *App) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "status [ISSUE]",
		Short: "Show each issue's state, or one issue's whole history with who did what",
		Long: `status lists every stored issue with its state (stored, drafted, previewed, publishing,
published, sent, failed), its article and its scheduled jobs. With an issue number it
shows that issue's draft, previews, approvals and its history: every step that changed
something, when, and who ran it (publish --as, else the OS user).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n := 0
			if len(args) == 1 {
				var err error
				if n, err = strconv.Atoi(strings.TrimPrefix(args[0], "#")); err != nil || n <= 0 {
					return fmt.Errorf("ISSUE %q: want an issue number", args[0])
				}
			}
			return app().Status(cmd.Context(), n, asJSON)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON, for scripts")
	return c
}

func newApproveCmd(app func() *App) *cobra.Command {
	var as string
	c := &cobra.Command{
		Use:   "approve ISSUE|FILE --as NAME",
		Short: "Approve an issue for sending to all followers (publish.require_approval)",
		Long: `approve records NAME's sign-off on an issue as it is stored now (ISSUE: its latest
import) or as a file has it (FILE, imported first). With publish.require_approval on,
--broadcast sends only an issue approved by someone other than the person sending it; a
change to the issue needs a new approval.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return app().Approve(cmd.Context(), args[0], as)
		},
	}
	c.Flags().StringVar(&as, "as", "", "who approves (default: the OS user)")
	return c
}

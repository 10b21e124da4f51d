package publish

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sirupsen/logrus"
	"golang.org/x/term"

	"wxpub/issue"
)

// writePlan prints what a dry run found a run will do, step by step, in the future tense.
func (r *Result) writePlan(w io.Writer) {
	fmt.Fprintf(w, "Dry run of issue %d “%s”: nothing was sent. A run will:\n", r.Issue, r.Title)
	n := 0
	step := func(format string, args ...any) {
		n++
		fmt.Fprintf(w, "  %d. "+format+"\n", append([]any{n}, args...)...)
	}
	switch {
	case r.ImagesUploaded > 0:
		step("upload %d content images (%d already uploaded)", r.ImagesUploaded, r.ImagesReused)
	case r.Images > 0:
		step("reuse the %d content images already uploaded", r.ImagesReused)
	}
	switch r.Cover {
	case "reused":
		step("reuse the cover already uploaded (%s)", r.CoverMediaID)
	case "generated and uploaded":
		step("generate a cover and upload it")
	default:
		step("upload the cover")
	}
	switch r.Draft {
	case "created":
		step("create the issue's draft")
	case "updated":
		step("update draft %s with the changed article", r.DraftMediaID)
	default:
		step("leave draft %s as it is: the article has not changed", r.DraftMediaID)
	}
	for _, to := range r.Previewed {
		step("send a preview to %s", to)
	}
	for _, to := range r.PreviewSkipped {
		step("not preview to %s again: it was sent this article before", to)
	}
	for _, to := range r.PreviewUnknown {
		step("not preview to %s again: an earlier preview's answer was lost, and it may have arrived", to)
	}
	switch {
	case r.Published == "":
	case r.Republish:
		step("publish the changed issue as a new article and delete the live one, %s (with --replace, or when confirmed)", r.PreviousURL)
	case r.Published == "published":
		step("publish the draft and wait for the article URL")
	case r.Published == "resumed":
		step("wait for the publish job submitted by an earlier run")
	default:
		step("leave the article published as it is: %s", r.ArticleURL)
	}
	switch r.Broadcast {
	case "":
	case "sent":
		step("send the issue to ALL followers")
	default:
		step("not send it again: it was sent to all followers before (msg_id %d)", r.MassMsgID)
	}
	if r.Warnings > 0 {
		fmt.Fprintf(w, "  lint:      %d warnings (wxpub lint shows them)\n", r.Warnings)
	}
}

// WriteSummary prints what a run did for staff, or, for a dry run, its plan.
func (r *Result) WriteSummary(w io.Writer) {
	if r.DryRun {
		r.writePlan(w)
		return
	}
	fmt.Fprintf(w, "Issue %d “%s”\n", r.Issue, r.Title)
	fmt.Fprintf(w, "  images:    %d in the article, %d uploaded, %d already uploaded\n", r.Images, r.ImagesUploaded, r.ImagesReused)
	if r.Cover != "" {
		fmt.Fprintf(w, "  cover:     %s %s\n", r.Cover, r.CoverMediaID)
	}
	if r.Draft != "" {
		fmt.Fprintf(w, "  draft:     %s %s\n", r.Draft, r.DraftMediaID)
	}
	var preview []string
	if len(r.Previewed) > 0 {
		preview = append(preview, "sent to "+strings.Join(r.Previewed, ", "))
	}
	if len(r.PreviewSkipped) > 0 {
		preview = append(preview, "already sent to "+strings.Join(r.PreviewSkipped, ", "))
	}
	if len(r.PreviewUnknown) > 0 {
		preview = append(preview, "may have been sent to "+strings.Join(r.PreviewUnknown, ", ")+" (the answer was lost; not repeated)")
	}
	if r.Kept != nil && !r.Kept.OK() {
		fmt.Fprintf(w, "  kept:      WeChat's draft differs from what was sent: %s\n", r.Kept)
	}
	if len(preview) > 0 {
		fmt.Fprintf(w, "  preview:   %s\n", strings.Join(preview, "; "))
	}
	if r.Republish {
		fmt.Fprintf(w, "  publish:   %s %s (a correction; it replaces %s)\n", r.Published, r.ArticleURL, r.PreviousURL)
	} else if r.Published != "" {
		fmt.Fprintf(w, "  publish:   %s %s\n", r.Published, r.ArticleURL)
	} else if r.ArticleURL != "" {
		fmt.Fprintf(w, "  article:   %s\n", r.ArticleURL)
	}
	if len(r.Replaced) > 0 {
		fmt.Fprintf(w, "  replaced:  deleted the old article %s; the replies link to the new one\n", strings.Join(r.Replaced, ", "))
	}
	if r.Broadcast != "" {
		fmt.Fprintf(w, "  broadcast: %s to all followers", r.Broadcast)
		if r.MassMsgID != 0 {
			fmt.Fprintf(w, " (msg_id %d)", r.MassMsgID)
		}
		fmt.Fprintln(w)
	}
	if r.Warnings > 0 {
		fmt.Fprintf(w, "  lint:      %d warnings (wxpub lint shows them)\n", r.Warnings)
	}
}

// NewReporter shows steps as lines and uploads as a counter when out is a terminal and
// text is wanted; elsewhere it reports them as log lines.
func NewReporter(out io.Writer, log logrus.FieldLogger, text bool) Reporter {
	if f, ok := out.(*os.File); ok && text && term.IsTerminal(int(f.Fd())) {
		return &terminalReporter{w: f}
	}
	return &logReporter{log: log}
}

// AskOnTerminal is a ConfirmBroadcast that asks the person at the terminal in for a "yes";
// with no terminal there is nobody to ask, and it says to confirm with --yes.
func AskOnTerminal(in io.Reader, out io.Writer) (func(*issue.Issue) error, error) {
	f, ok := in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, errors.New("--broadcast sends the issue to every follower: add --yes to confirm (nothing was sent)")
	}
	return func(is *issue.Issue) error {
		fmt.Fprintf(out, "Send issue %d (%s) to ALL followers now? Type yes to send: ", is.Number, is.Title.Joined())
		line, _ := bufio.NewReader(in).ReadString('\n')
		if strings.TrimSpace(strings.ToLower(line)) != "yes" {
			return errors.New("not confirmed: nothing was sent")
		}
		return nil
	}, nil
}

// AskReplaceOnTerminal is a ConfirmReplace that asks the person at the terminal in; with
// no terminal it is nil, and a correction then needs --replace.
func AskReplaceOnTerminal(in io.Reader, out io.Writer) func(*issue.Issue, string) error {
	f, ok := in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return func(is *issue.Issue, oldURL string) error {
		fmt.Fprintf(out, "Issue %d is live at %s and has changed.\nPublish the correction as a new article and DELETE the live one? Type yes: ", is.Number, oldURL)
		line, _ := bufio.NewReader(in).ReadString('\n')
		if strings.TrimSpace(strings.ToLower(line)) != "yes" {
			return errors.New("not confirmed: the draft is updated, nothing was published or deleted")
		}
		return nil
	}
}

type terminalReporter struct {
	w         io.Writer
	inCounter bool
}

func (r *terminalReporter) Step(format string, args ...any) {
	if r.inCounter {
		fmt.Fprintln(r.w)
		r.inCounter = false
	}
	fmt.Fprintf(r.w, "→ "+format+"\n", args...)
}

func (r *terminalReporter) Progress(what string, done, total int) {
	fmt.Fprintf(r.w, "\r  %s %d/%d", what, done, total)
	r.inCounter = done < total
	if done == total {
		fmt.Fprintln(r.w)
	}
}

type logReporter struct{ log logrus.FieldLogger }

func (r *logReporter) Step(format string, args ...any) { r.log.Infof(format, args...) }

func (r *logReporter) Progress(what string, done, total int) {
	r.log.WithFields(logrus.Fields{"done": done, "total": total}).Infof("%s uploaded", what)
}

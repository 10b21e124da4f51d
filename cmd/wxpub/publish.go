package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"strings"

	"github.com/sirupsen/logrus"
	"golang.org/x/term"

	"wxpub/issue"
	"wxpub/publish"
	"wxpub/store"
	"wxpub/wechat"
)

// publishFlags are the flags of `wxpub publish`.
type publishFlags struct {
	publish, broadcast, yes, dryRun, noWait bool
}

// runner says who this process is, for the message another publish run shows while this
// one holds an issue.
func runner() store.Lease {
	host, _ := os.Hostname()
	name := ""
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return store.Lease{Host: host, PID: os.Getpid(), Holder: name}
}

// openStore opens the configured store; the caller closes it.
func (a *App) openStore(ctx context.Context) (*store.Store, error) {
	return store.Open(ctx, a.Config.Store.DSN)
}

// client returns an API client for the configured account; with Redis, its token is the
// one every replica shares.
func (a *App) client() (*wechat.Client, error) {
	c := a.Config.WeChat
	opt := wechat.Options{AppID: c.AppID, AppSecret: c.AppSecret, BaseURL: c.APIBase, Timeout: c.Timeout, Log: a.Log}
	cl, err := a.openCluster(context.Background())
	if err != nil {
		return nil, err
	}
	if cl != nil {
		opt.Cache, opt.Lock = cl.TokenCache(), cl
	}
	return wechat.New(opt)
}

// Publish runs `wxpub publish`.
func (a *App) Publish(ctx context.Context, path string, f publishFlags, in io.Reader) error {
	_, err := a.publish(ctx, path, f, in)
	return err
}

func (a *App) publish(ctx context.Context, path string, f publishFlags, in io.Reader) (*publish.Result, error) {
	var to []wechat.Recipient
	for _, s := range a.Config.WeChat.PreviewTo {
		r, err := wechat.ParseRecipient(s)
		if err != nil {
			return nil, fmt.Errorf("wechat.preview_to: %w", err)
		}
		to = append(to, r)
	}
	var confirm func(*issue.Issue) error
	if f.broadcast && !f.dryRun && !f.yes {
		file, ok := in.(*os.File)
		if !ok || !term.IsTerminal(int(file.Fd())) {
			return nil, errors.New("--broadcast sends the issue to every follower: add --yes to confirm (nothing was sent)")
		}
		confirm = func(is *issue.Issue) error { return a.confirmBroadcast(is, in) }
	}
	t, err := a.theme()
	if err != nil {
		return nil, err
	}
	opened, err := a.openStore(ctx)
	if err != nil {
		return nil, err
	}
	defer opened.Close()
	st, err := opened.Account(ctx, a.Config.WeChat.AppID)
	if err != nil {
		return nil, err
	}
	var api publish.API // a dry run calls nothing, so it gets none
	if !f.dryRun {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		api = c
	}
	p := publish.New(api, st, a.reporter(), nil)
	res, err := p.Run(ctx, path, publish.Options{PreviewTo: to, Publish: f.publish, Broadcast: f.broadcast, DryRun: f.dryRun,
		Theme: t, Author: a.Config.Render.Author, Concurrency: a.Config.Publish.Concurrency, PollTimeout: a.Config.Publish.PollTimeout,
		Runner: runner(), LeaseTTL: a.Config.Publish.LeaseTTL, NoWait: f.noWait, ConfirmBroadcast: confirm})
	if res != nil {
		a.summary(res)
		if !res.DryRun {
			a.notify(ctx, res.Issue)
		}
	}
	return res, err
}

// confirmBroadcast asks on the terminal before a mass send.
func (a *App) confirmBroadcast(is *issue.Issue, in io.Reader) error {
	fmt.Fprintf(a.Out, "Send issue %d (%s) to ALL followers now? Type yes to send: ", is.Number, is.Title.Joined())
	line, _ := bufio.NewReader(in).ReadString('\n')
	if strings.TrimSpace(strings.ToLower(line)) != "yes" {
		return errors.New("not confirmed: nothing was sent")
	}
	return nil
}

// plan prints what a dry run found a run will do, step by step, in the future tense.
func (a *App) plan(r *publish.Result) {
	w := a.Out
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
		step("publish the changed article as a new article with a new URL (the one published before, %s, stays live)", r.PreviousURL)
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

func (a *App) summary(r *publish.Result) {
	w := a.Out
	if r.DryRun {
		a.plan(r)
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
	if len(preview) > 0 {
		fmt.Fprintf(w, "  preview:   %s\n", strings.Join(preview, "; "))
	}
	if r.Republish {
		fmt.Fprintf(w, "  publish:   %s %s (a new article; the one published before, %s, stays live)\n", r.Published, r.ArticleURL, r.PreviousURL)
	} else if r.Published != "" {
		fmt.Fprintf(w, "  publish:   %s %s\n", r.Published, r.ArticleURL)
	} else if r.ArticleURL != "" {
		fmt.Fprintf(w, "  article:   %s\n", r.ArticleURL)
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

// reporter shows progress: steps and an upload counter on a terminal, log lines elsewhere.
func (a *App) reporter() publish.Reporter {
	if f, ok := a.Out.(*os.File); ok && term.IsTerminal(int(f.Fd())) && a.Config.Log.Format == "text" {
		return &terminalReporter{w: f}
	}
	return &logReporter{log: a.Log}
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

package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"wxpub/issue"
	"wxpub/publish"
	"wxpub/store"
	"wxpub/wechat"
)

// publishFlags are the flags of `wxpub publish`.
type publishFlags struct {
	publish, broadcast, yes, dryRun, noWait, replace bool
	// at schedules the run instead ("" now); as names who runs it.
	at, as string
}

// openStore opens the configured store; the caller closes it.
func (a *App) openStore(ctx context.Context) (*store.Store, error) {
	return store.Open(ctx, a.Config.Store.DSN)
}

// openAccount opens the store as the configured account sees it; close the first value.
func (a *App) openAccount(ctx context.Context) (opened, st *store.Store, err error) {
	opened, err = a.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	st, err = opened.Account(ctx, a.Config.WeChat.AppID)
	if err != nil {
		opened.Close()
		return nil, nil, err
	}
	return opened, st, nil
}

// actor is who runs a command, for the audit trail: --as, else the OS user.
func actor(as string) string {
	if as != "" {
		return as
	}
	if u := publish.ThisProcess().Holder; u != "" {
		return u
	}
	return "unknown"
}

// recipients reads staff phones to preview on (wechat.preview_to, or --preview-to).
func recipients(given []string) ([]wechat.Recipient, error) {
	var to []wechat.Recipient
	for _, s := range given {
		r, err := wechat.ParseRecipient(s)
		if err != nil {
			return nil, fmt.Errorf("wechat.preview_to: %w", err)
		}
		to = append(to, r)
	}
	return to, nil
}

// publishOptions are the configured options of a publish run.
func (a *App) publishOptions(to []wechat.Recipient) (publish.Options, error) {
	ropt, err := a.renderOptions()
	if err != nil {
		return publish.Options{}, err
	}
	p := a.Config.Publish
	return publish.Options{PreviewTo: to, Theme: ropt.Theme, Author: ropt.Author, Concurrency: p.Concurrency, PollTimeout: p.PollTimeout,
		Runner: publish.ThisProcess(), LeaseTTL: p.LeaseTTL, RequireApproval: p.RequireApproval}, nil
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
	to, err := recipients(a.Config.WeChat.PreviewTo)
	if err != nil {
		return nil, err
	}
	if f.at != "" {
		return nil, a.scheduleIssue(ctx, path, f, a.Config.WeChat.PreviewTo)
	}
	var confirm func(*issue.Issue) error
	if f.broadcast && !f.dryRun && !f.yes {
		if confirm, err = publish.AskOnTerminal(in, a.Out); err != nil {
			return nil, err
		}
	}
	opt, err := a.publishOptions(to)
	if err != nil {
		return nil, err
	}
	opt.Publish, opt.Broadcast, opt.DryRun, opt.NoWait, opt.ConfirmBroadcast = f.publish, f.broadcast, f.dryRun, f.noWait, confirm
	opt.Actor, opt.Replace = actor(f.as), f.replace
	if f.publish && !f.replace && !f.dryRun {
		opt.ConfirmReplace = publish.AskReplaceOnTerminal(in, a.Out)
	}
	opened, st, err := a.openAccount(ctx)
	if err != nil {
		return nil, err
	}
	defer opened.Close()
	var api publish.API // a dry run calls nothing, so it gets none
	if !f.dryRun {
		c, err := a.client()
		if err != nil {
			return nil, err
		}
		api = c
	}
	p := publish.New(api, st, a.reporter(), nil)
	res, err := p.Run(ctx, path, opt)
	if res != nil {
		res.WriteSummary(a.Out)
		if !res.DryRun {
			a.notify(ctx, res.Issue)
		}
	}
	return res, err
}

// reporter shows progress: steps and an upload counter on a terminal, log lines elsewhere.
func (a *App) reporter() publish.Reporter {
	return publish.NewReporter(a.Out, a.Log, a.Config.Log.Format == "text")
}

func newPublishCmd(app func() *App) *cobra.Command {
	var f publishFlags
	c := &cobra.Command{
		Use:   "publish FILE",
		Short: "Publish an issue: upload images and cover, create or update the draft, preview, publish, mass-send",
		Long: `publish turns an issue into a WeChat article and takes it as far as the flags say:

  (always)       lint (errors stop it before any API call), upload the images and the
                 cover, create the issue's draft or update it
  --preview-to   preview the draft on staff phones (OpenID or WeChat ID; repeatable)
  --publish      publish it and wait for the article URL
  --broadcast    mass-send it to every follower (asks, unless --yes; with
                 publish.require_approval, only once someone else ran wxpub approve)
  --at TIME      do all of that later, in wxpub serve: "2026-12-01 09:00" (in
                 account.timezone) or +2h; wxpub schedule lists and cancels jobs

A changed issue that is already published is a correction: --publish publishes it as a
new article and then deletes the old one (freepublish/delete), after asking, or at once
with --replace; the replies then link to the new article. An issue already sent to every
follower cannot be changed through the API: wxpub says so and points to the MP backend.

It is safe to run again: every step is recorded, so a rerun finishes an interrupted job and
repeats nothing (no second draft, publish or send; a preview whose answer was lost is
reported and not repeated). Runs on the same issue and store take turns: a second run
waits for the first ("issue 135 is being published by …; waiting…"), or with --no-wait
exits non-zero at once.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return app().Publish(cmd.Context(), args[0], f, cmd.InOrStdin())
		},
	}
	c.Flags().StringArray("preview-to", nil, "preview on this phone: an OpenID or WeChat ID (repeatable; also wechat.preview_to)")
	c.Flags().BoolVar(&f.replace, "replace", false, "replace the live article by the changed issue without asking (publishes the new, deletes the old)")
	c.Flags().StringVar(&f.at, "at", "", `publish later, in wxpub serve: "YYYY-MM-DD HH:MM" in account.timezone, or +DURATION such as +2h`)
	c.Flags().StringVar(&f.as, "as", "", "who runs it, for the audit trail (default: the OS user)")
	c.Flags().BoolVar(&f.publish, "publish", false, "publish the draft and wait for the article URL")
	c.Flags().BoolVar(&f.broadcast, "broadcast", false, "mass-send to ALL followers (asks for confirmation)")
	c.Flags().BoolVar(&f.yes, "yes", false, "confirm --broadcast without asking")
	c.Flags().BoolVar(&f.dryRun, "dry-run", false, "stop before the first API call and say what would be sent")
	c.Flags().BoolVar(&f.noWait, "no-wait", false, "fail at once if another run is publishing the same issue, instead of waiting for it")
	themeFlags(c)
	return c
}

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
	publish, broadcast, yes, dryRun, noWait bool
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
		var err error
		if confirm, err = publish.AskOnTerminal(in, a.Out); err != nil {
			return nil, err
		}
	}
	ropt, err := a.renderOptions()
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
		Theme: ropt.Theme, Author: ropt.Author, Concurrency: a.Config.Publish.Concurrency, PollTimeout: a.Config.Publish.PollTimeout,
		Runner: publish.ThisProcess(), LeaseTTL: a.Config.Publish.LeaseTTL, NoWait: f.noWait, ConfirmBroadcast: confirm})
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
  --broadcast    mass-send it to every follower (asks, unless --yes)

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
	c.Flags().BoolVar(&f.publish, "publish", false, "publish the draft and wait for the article URL")
	c.Flags().BoolVar(&f.broadcast, "broadcast", false, "mass-send to ALL followers (asks for confirmation)")
	c.Flags().BoolVar(&f.yes, "yes", false, "confirm --broadcast without asking")
	c.Flags().BoolVar(&f.dryRun, "dry-run", false, "stop before the first API call and say what would be sent")
	c.Flags().BoolVar(&f.noWait, "no-wait", false, "fail at once if another run is publishing the same issue, instead of waiting for it")
	themeFlags(c)
	return c
}

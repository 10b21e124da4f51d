package main

import (
	"context"
	"fmt"
	"io"

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

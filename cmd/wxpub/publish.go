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

	"golang.org/x/term"

	"wxpub/issue"
	"wxpub/publish"
	"wxpub/render"
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
	t, err := render.LoadTheme(a.Config.Render.Theme)
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
		res.WriteSummary(a.Out)
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

// reporter shows progress: steps and an upload counter on a terminal, log lines elsewhere.
func (a *App) reporter() publish.Reporter {
	if f, ok := a.Out.(*os.File); ok && term.IsTerminal(int(f.Fd())) && a.Config.Log.Format == "text" {
		return publish.NewTerminalReporter(f)
	}
	return publish.NewLogReporter(a.Log)
}

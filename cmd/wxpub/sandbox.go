package main

import (
	"context"
	"fmt"

	"wxpub/bot"
	"wxpub/config"
	"wxpub/demo"
	"wxpub/wechat/sandbox"
)

// Sandbox runs the API emulator until ctx ends.
func (a *App) Sandbox(ctx context.Context) error {
	c := a.Config
	sb, err := sandbox.Start(c.Sandbox.Addr, sandbox.Options{AppID: c.WeChat.AppID, AppSecret: c.WeChat.AppSecret,
		Token: c.WeChat.Token, CallbackURL: c.Sandbox.CallbackURL})
	if err != nil {
		return err
	}
	defer sb.Close()
	appID := c.WeChat.AppID
	if appID == "" {
		appID = sandbox.DemoAppID + " (secret " + sandbox.DemoAppSecret + ")"
	}
	fmt.Fprintf(a.Out, "WeChat API sandbox on %s for app %s\nPoint wxpub at it with wechat.api_base: %s (WXPUB_WECHAT_API_BASE). Ctrl-C stops it.\n", sb.URL(), appID, sb.URL())
	<-ctx.Done()
	return nil
}

// Demo runs the demo (package demo) with this app's settings, its message service and its
// publisher.
func (a *App) Demo(ctx context.Context, path, dir string, exit bool) error {
	d := demo.Runner{Out: a.Out,
		Serve: func(ctx context.Context, c *config.Config, ready func(refresh func(context.Context) error)) error {
			app := &App{Config: c, Log: a.Log, Out: a.Out}
			defer app.Close()
			return app.Serve(ctx, func(svc *bot.Service) {
				ready(func(ctx context.Context) error { _, err := svc.Refresh(ctx); return err })
			})
		},
		Publish: func(ctx context.Context, c *config.Config, path string) (string, error) {
			app := &App{Config: c, Log: a.Log, Out: a.Out}
			defer app.Close()
			res, err := app.publish(ctx, path, publishFlags{publish: true}, nil)
			if err != nil {
				return "", err
			}
			return res.ArticleURL, nil
		},
	}
	return d.Run(ctx, *a.Config, path, dir, exit)
}

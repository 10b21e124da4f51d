package main

import (
	"context"
	"fmt"
	"wxpub/internal/cli"

	"github.com/spf13/cobra"

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

func newSandboxCmd(app func() *App) *cobra.Command {
	c := &cobra.Command{
		Use:   "sandbox",
		Short: "Run a local emulator of the WeChat Official Account API",
		Long: `sandbox serves an emulator of the official account API on loopback: tokens, uploads, the
draft box, publishing, mass messages. It takes the credentials in wechat.app_id and
wechat.app_secret (or its demo ones when unset); point wxpub at it with wechat.api_base.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := cli.SignalContext(cmd.Context())
			defer stop()
			return app().Sandbox(ctx)
		},
	}
	c.Flags().String("sandbox-addr", "127.0.0.1:8081", "where the sandbox listens (sandbox.addr)")
	return c
}

func newDemoCmd(app func() *App) *cobra.Command {
	var dir string
	var exit bool
	c := &cobra.Command{
		Use:   "demo [FILE]",
		Short: "Publish the sample issue to a local sandbox: no account, no config",
		Long: `demo starts a local WeChat API sandbox, publishes an issue to it (the built-in sample
issue No. 135 unless FILE is given) and runs the message callback over the result, so that
followers' keywords can be tried. Its store and config go to --dir, a folder it creates
(or one an earlier demo made); it refuses any other folder that is not empty.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := ""
			if len(args) == 1 {
				path = args[0]
			}
			ctx, stop := cli.SignalContext(cmd.Context())
			defer stop()
			return app().Demo(ctx, path, dir, exit)
		},
	}
	c.Flags().StringVar(&dir, "dir", "wxpub-data/demo", "where the demo keeps its store and config (a new folder, or one an earlier demo made)")
	c.Flags().BoolVar(&exit, "exit", false, "stop after publishing instead of serving until Ctrl-C")
	c.Flags().String("sandbox-addr", "127.0.0.1:8081", "where the sandbox listens (a free port if taken)")
	c.Flags().String("addr", "127.0.0.1:8080", "where the message callback listens (a free port if taken)")
	c.Flags().String("admin-addr", "127.0.0.1:9090", "where /healthz, /readyz and /metrics listen (a free port if taken)")
	return c
}

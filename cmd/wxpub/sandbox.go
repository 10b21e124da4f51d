package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

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

// Demo publishes an issue to a sandbox it starts, with a store and config of its own under
// dir, prints where to read the article and, unless exit, serves until ctx ends.
func (a *App) Demo(ctx context.Context, path, dir string, exit bool) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	sb, err := sandbox.Start(a.Config.Sandbox.Addr, sandbox.Options{})
	if err != nil {
		// The configured port is taken: any free one will do for a demo.
		if sb, err = sandbox.Start("127.0.0.1:0", sandbox.Options{}); err != nil {
			return err
		}
	}
	defer sb.Close()
	abs, _ := filepath.Abs(dir)
	cfgPath := filepath.Join(abs, "wxpub.yaml")
	cfg := fmt.Sprintf("# Written by `wxpub demo`: the demo's sandbox account and store.\nwechat:\n  app_id: %s\n  app_secret: %s\n  api_base: %s\nstore:\n  dsn: sqlite://%s\n",
		sandbox.DemoAppID, sandbox.DemoAppSecret, sb.URL(), filepath.Join(abs, "wxpub.db"))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return err
	}
	a.Config.WeChat.AppID, a.Config.WeChat.AppSecret, a.Config.WeChat.APIBase = sandbox.DemoAppID, sandbox.DemoAppSecret, sb.URL()
	a.Config.Store.DSN = "sqlite://" + filepath.Join(abs, "wxpub.db")
	a.Config.WeChat.PreviewTo = []string{"wxname:demo_staff"}
	fmt.Fprintf(a.Out, "WeChat API sandbox on %s (no account needed)\n", sb.URL())
	res, err := a.publish(ctx, path, publishFlags{publish: true}, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Out, "\nRead the article: %s\nThe sandbox's index: %s/\nThe demo's config: %s (use it with --config)\n", res.ArticleURL, sb.URL(), cfgPath)
	if exit {
		return nil
	}
	fmt.Fprintln(a.Out, "Ctrl-C stops the demo.")
	<-ctx.Done()
	return nil
}

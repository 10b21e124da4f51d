package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"wxpub/wechat"
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
// dir, and runs the message callback over that store, so that `wxpub ask` and signed POSTs
// get answers. It prints where to read the article and how to ask, and, unless exit,
// serves until ctx ends.
func (a *App) Demo(ctx context.Context, path, dir string, exit bool) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	abs, _ := filepath.Abs(dir)
	serveAddr, err := freeAddr(a.Config.Server.Addr)
	if err != nil {
		return err
	}
	const demoToken = "wxpub-demo-token"
	sbOpt := sandbox.Options{Token: demoToken, CallbackURL: "http://" + serveAddr + a.Config.Server.Path}
	sb, err := sandbox.Start(a.Config.Sandbox.Addr, sbOpt)
	if err != nil {
		// The configured port is taken: any free one will do for a demo.
		if sb, err = sandbox.Start("127.0.0.1:0", sbOpt); err != nil {
			return err
		}
	}
	defer sb.Close()
	dsn := "sqlite://" + filepath.Join(abs, "wxpub.db")
	cfgPath := filepath.Join(abs, "wxpub.yaml")
	cfg := fmt.Sprintf(`# Written by wxpub demo: the demo's sandbox account, store and callback.
wechat:
  app_id: %s
  app_secret: %s
  api_base: %s
  token: %s
store:
  dsn: %s
server:
  addr: %s
  max_clock_skew: 0   # so that the pre-signed example request below keeps working
`, sandbox.DemoAppID, sandbox.DemoAppSecret, sb.URL(), demoToken, dsn, serveAddr)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return err
	}
	c := a.Config
	c.WeChat.AppID, c.WeChat.AppSecret, c.WeChat.APIBase, c.WeChat.Token = sandbox.DemoAppID, sandbox.DemoAppSecret, sb.URL(), demoToken
	c.WeChat.PreviewTo = []string{"wxname:demo_staff"}
	c.Store.DSN, c.Server.Addr, c.Server.MaxClockSkew = dsn, serveAddr, 0
	fmt.Fprintf(a.Out, "WeChat API sandbox on %s (no account needed)\n", sb.URL())

	// The callback server runs beside the publish, over the same store.
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	served := make(chan error, 1)
	up := make(chan struct{})
	var reindex func(context.Context) error
	go func() {
		served <- a.Serve(sctx, func(_ string, refresh func(context.Context) error) { reindex = refresh; close(up) })
	}()
	select {
	case <-up:
	case err := <-served:
		return err
	}
	res, err := a.publish(ctx, path, publishFlags{publish: true}, nil)
	if err != nil {
		return err
	}
	// The server would find the issue on its timer; the examples below should work now.
	if err := reindex(ctx); err != nil {
		return err
	}
	const ts, nonce = "1700000000", "1"
	fmt.Fprintf(a.Out, `
Read the article:   %s
Sandbox index:      %s/
Message callback:   http://%s%s  (token %s)
Demo config:        %s

Ask as a follower would:
  go run ./cmd/wxpub ask --config %s 个人信息
  go run ./cmd/wxpub ask --config %s "contact tracing"
Or post a signed message to the callback:
  curl -s 'http://%s%s?signature=%s&timestamp=%s&nonce=%s' -d '<xml><ToUserName><![CDATA[gh_demo]]></ToUserName><FromUserName><![CDATA[oDemoFollower0000000000000001]]></FromUserName><CreateTime>%s</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[区块链]]></Content><MsgId>1</MsgId></xml>'
`, res.ArticleURL, sb.URL(), serveAddr, c.Server.Path, demoToken, cfgPath, cfgPath, cfgPath,
		serveAddr, c.Server.Path, wechat.Signature(demoToken, ts, nonce), ts, nonce, ts)
	if !exit {
		fmt.Fprintln(a.Out, "\nCtrl-C stops the demo.")
		<-ctx.Done()
	}
	stop()
	return <-served
}

// freeAddr returns addr if it can be listened on, else a free loopback address.
func freeAddr(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return "", err
		}
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

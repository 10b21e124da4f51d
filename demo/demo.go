// Package demo is `wxpub demo`: a WeChat API sandbox, the sample issue published to it,
// and the message service answering over the result, in a folder of its own, with no
// account and no config.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"wxpub/config"
	"wxpub/internal/outfile"
	"wxpub/issue"
	"wxpub/wechat"
	"wxpub/wechat/sandbox"
)

// demoMarker marks a folder as the demo's own: only such a folder is emptied by the next
// demo.
const demoMarker = ".wxpub-demo"

// prepareDemoDir makes dir ready for a demo: created if missing, emptied if an earlier
// demo made it; any other folder with something in it is refused, untouched.
func prepareDemoDir(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("demo folder %s: %w", dir, err)
	case len(entries) == 0:
	default:
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return fmt.Errorf("demo folder %s is not empty and was not made by wxpub demo: choose another with --dir (nothing was changed)", dir)
		}
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("empty the demo folder %s: %w", dir, err)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("demo folder %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("demo folder %s: %w", dir, err)
	}
	return os.WriteFile(filepath.Join(dir, demoMarker), []byte("This folder was made by `wxpub demo`; the next demo empties it.\n"), 0o600)
}

// selfCommand is how the user ran wxpub, for the commands the demo suggests: the binary's
// name, or `go run ./cmd/wxpub` when it runs from a build cache.
func selfCommand() string {
	exe, err := os.Executable()
	if err != nil || strings.Contains(exe, "go-build") {
		return "go run ./cmd/wxpub"
	}
	return "wxpub"
}

// Runner runs the demo with the command's own ways to serve and to publish.
type Runner struct {
	// Out is where the demo tells the user what to try.
	Out io.Writer
	// Serve runs the message service with cfg until ctx ends, calling ready once it
	// listens, with a function that brings its index up to date at once.
	Serve func(ctx context.Context, cfg *config.Config, ready func(refresh func(context.Context) error)) error
	// Publish publishes the issue file at path with cfg and returns the article's URL.
	Publish func(ctx context.Context, cfg *config.Config, path string) (string, error)
}

// Run publishes an issue (the built-in sample when path is "") to a sandbox it starts,
// with a store and config of its own under dir, and runs the message callback over that
// store, so that `wxpub ask` and signed POSTs get answers. It prints where to read the
// article and how to ask, and, unless exit, serves until ctx ends. base is the user's
// configuration, of which it takes the addresses and reply settings.
func (r Runner) Run(ctx context.Context, base config.Config, path, dir string, exit bool) error {
	if err := prepareDemoDir(dir); err != nil {
		return err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	if path == "" {
		path = filepath.Join(abs, "sample-135.md")
		if err := outfile.Write(path, issue.Sample, outfile.Public); err != nil {
			return err
		}
	}
	c := &base
	if c.Server.Addr, err = freeAddr(c.Server.Addr); err != nil {
		return err
	}
	if c.Server.AdminAddr != "" {
		if c.Server.AdminAddr, err = freeAddr(c.Server.AdminAddr); err != nil {
			return err
		}
	}
	const demoToken = "wxpubDemoToken"
	sbOpt := sandbox.Options{Token: demoToken, CallbackURL: "http://" + c.Server.Addr + c.Server.Path}
	sb, err := sandbox.Start(c.Sandbox.Addr, sbOpt)
	if err != nil {
		// The configured port is taken: any free one will do for a demo.
		if sb, err = sandbox.Start("127.0.0.1:0", sbOpt); err != nil {
			return err
		}
	}
	defer sb.Close()
	c.WeChat.AppID, c.WeChat.AppSecret, c.WeChat.APIBase, c.WeChat.Token = sandbox.DemoAppID, sandbox.DemoAppSecret, sb.URL(), demoToken
	c.WeChat.EncodingMode, c.WeChat.AESKey, c.WeChat.AESKeyPrevious = config.ModePlain, "", ""
	c.WeChat.PreviewTo = []string{"wxname:demo_staff"}
	c.Store.DSN = "sqlite://" + filepath.Join(abs, "wxpub.db")
	cfgPath := filepath.Join(abs, "wxpub.yaml")
	cfgText := fmt.Sprintf(`# Written by wxpub demo: the demo's sandbox account, store and callback.
wechat:
  app_id: %s
  app_secret: %s
  api_base: %s
  token: %s
store:
  dsn: %s
server:
  addr: %s
  admin_addr: "%s"
`, c.WeChat.AppID, c.WeChat.AppSecret, c.WeChat.APIBase, demoToken, c.Store.DSN, c.Server.Addr, c.Server.AdminAddr)
	// It holds the (sandbox's) AppSecret, as a real one would.
	if err := outfile.Write(cfgPath, []byte(cfgText), outfile.Private); err != nil {
		return err
	}
	fmt.Fprintf(r.Out, "WeChat API sandbox on %s (no account needed)\n", sb.URL())

	// The callback server runs beside the publish, over the same store.
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	served := make(chan error, 1)
	up := make(chan struct{})
	var reindex func(context.Context) error
	go func() {
		served <- r.Serve(sctx, c, func(refresh func(context.Context) error) { reindex = refresh; close(up) })
	}()
	select {
	case <-up:
	case err := <-served:
		return err
	}
	articleURL, err := r.Publish(ctx, c, path)
	if err != nil {
		stop()
		<-served
		return err
	}
	// The server would find the issue on its timer; the examples below should work now.
	if err := reindex(ctx); err != nil {
		return err
	}
	self := selfCommand()
	fmt.Fprintf(r.Out, `
Article:      %s
Demo config:  %s

Ask as a follower would (reads the demo's store; no server needed):
  %s ask --config %s 个人信息
  %s ask --config %s "contact tracing"
`, articleURL, cfgPath, self, cfgPath, self, cfgPath)
	if exit {
		stop()
		return <-served
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	const nonce = "20201"
	fmt.Fprintf(r.Out, `
While the demo runs:
  Sandbox index:     %s/  (drafts, articles, calls)
  Message callback:  http://%s%s  (token %s)
  Metrics:           http://%s/metrics

Post a message to the callback as WeChat would (signed for the next %s; sent twice, the
second is a replay and gets the kept reply, never a second search):
  curl -s 'http://%s%s?signature=%s&timestamp=%s&nonce=%s' -d '<xml><ToUserName><![CDATA[gh_demo]]></ToUserName><FromUserName><![CDATA[oDemoFollower0000000000000001]]></FromUserName><CreateTime>%s</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[区块链]]></Content><MsgId>1</MsgId></xml>'

Ctrl-C stops the demo.
`, sb.URL(), c.Server.Addr, c.Server.Path, demoToken, c.Server.AdminAddr, c.Server.MaxClockSkew,
		c.Server.Addr, c.Server.Path, wechat.Signature(demoToken, ts, nonce), ts, nonce, ts)
	<-ctx.Done()
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

package main

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/sirupsen/logrus"

	"wxpub/bot"
	"wxpub/config"
	"wxpub/reply"
	"wxpub/store"
	"wxpub/wechat"
)

// service builds the configured account's message service over st.
func (a *App) service(ctx context.Context, st *store.Store) (*bot.Service, error) {
	c := a.Config
	set := bot.Settings{Path: c.Server.Path, Token: c.WeChat.Token, Mode: wechat.EncodingMode(c.WeChat.EncodingMode),
		MaxClockSkew: c.Server.MaxClockSkew, ReplyBudget: c.Server.ReplyBudget, RefreshInterval: c.Server.RefreshInterval,
		MaxConnections: c.Server.MaxConnections, AnswerCacheBytes: c.Server.AnswerCacheBytes,
		Reply: reply.Config{Welcome: c.Reply.Welcome, Menu: c.Reply.Menu}}
	if c.WeChat.EncodingMode != config.ModePlain {
		crypter, err := wechat.NewCrypter(c.WeChat.AppID, c.WeChat.AESKey, c.WeChat.AESKeyPrevious)
		if err != nil {
			return nil, err
		}
		set.Crypter = crypter
	}
	var shared bot.Sharing
	cl, err := a.openCluster(ctx)
	if err != nil {
		return nil, err
	}
	if cl != nil {
		shared = bot.Sharing{Dedup: cl.Dedup(30 * time.Second), Replays: cl.Replays(), Notices: cl}
	}
	var late bot.CustomSender
	if c.WeChat.AppID != "" && c.WeChat.AppSecret != "" {
		client, err := a.client()
		if err != nil {
			return nil, fmt.Errorf("late replies: %w", err)
		}
		late = client
	}
	return bot.New(ctx, set, st, shared, late, a.Log)
}

// Serve runs the message service until ctx ends. started, if set, is called once it
// listens.
func (a *App) Serve(ctx context.Context, started func(svc *bot.Service)) error {
	// A log line per message: written out in batches, and the rest when serving ends.
	orig := a.Log.Out
	out := bot.NewLogWriter(orig, 200*time.Millisecond)
	a.Log.SetOutput(out)
	defer func() { a.Log.SetOutput(orig); out.Close() }()
	st, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	svc, err := a.service(ctx, st)
	if err != nil {
		return err
	}
	defer svc.Close()
	ln, err := net.Listen("tcp", a.Config.Server.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	var admin net.Listener
	adminAt := ""
	if a.Config.Server.AdminAddr != "" {
		if admin, err = net.Listen("tcp", a.Config.Server.AdminAddr); err != nil {
			ln.Close()
			return fmt.Errorf("serve: admin listener (server.admin_addr): %w", err)
		}
		adminAt = admin.Addr().String()
	}
	gctx, stop := context.WithCancel(ctx)
	defer stop()
	go bot.GovernMemory(gctx)
	a.Log.WithFields(logrus.Fields{"addr": ln.Addr().String(), "path": a.Config.Server.Path, "admin": adminAt, "items": svc.Index().Size(),
		"encoding_mode": svc.Mode()}).Info("serving the message callback")
	if started != nil {
		started(svc)
	}
	return svc.Serve(ctx, ln, admin)
}

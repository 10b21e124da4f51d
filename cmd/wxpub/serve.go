package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"wxpub/bot"
	"wxpub/config"
	"wxpub/internal/cli"
	"wxpub/issue"
	"wxpub/publish"
	"wxpub/reply"
	"wxpub/schedule"
	"wxpub/search"
	"wxpub/stats"
	"wxpub/store"
	"wxpub/wechat"
)

// replyConfig is what replies are configured with.
func (a *App) replyConfig() reply.Config {
	r := a.Config.Reply
	l := issue.LangZh
	if r.Language == "en" {
		l = issue.LangEn
	}
	return reply.Config{Welcome: r.Welcome, NoMatch: r.NoMatch, Menu: r.Menu, Language: l}
}

// indexOptions say where the keyword index persists (search.index_dir, else beside the
// SQLite store, else ./wxpub-data/index) and which glossary it reads queries with.
func (a *App) indexOptions() (bot.IndexOptions, error) {
	opt := bot.IndexOptions{Dir: a.Config.Search.IndexDir}
	if opt.Dir == "" {
		opt.Dir = filepath.Join("wxpub-data", "index")
		if path, ok := strings.CutPrefix(a.Config.Store.DSN, "sqlite://"); ok {
			path, _, _ = strings.Cut(path, "?")
			opt.Dir = filepath.Join(filepath.Dir(path), "index")
		}
	}
	if g := a.Config.Search.Glossary; g != "" {
		glossary, err := search.LoadGlossary(g)
		if err != nil {
			return opt, err
		}
		opt.Glossary = glossary
	}
	return opt, nil
}

// refreshIndex brings the persistent keyword index up to date with the store now, so that
// the next ask answers at once from what was just stored.
func (a *App) refreshIndex(ctx context.Context, st *store.Store) error {
	opt, err := a.indexOptions()
	if err != nil {
		return err
	}
	idx, _, err := bot.NewIndex(ctx, st, opt)
	if err != nil {
		return err
	}
	return idx.Close()
}

// service builds the configured account's message service over st.
func (a *App) service(ctx context.Context, st *store.Store) (*bot.Service, error) {
	c := a.Config
	set := bot.Settings{Path: c.Server.Path, Token: c.WeChat.Token, Mode: wechat.EncodingMode(c.WeChat.EncodingMode),
		MaxClockSkew: c.Server.MaxClockSkew, ReplyBudget: c.Server.ReplyBudget, RefreshInterval: c.Server.RefreshInterval,
		MaxConnections: c.Server.MaxConnections, AnswerCacheBytes: c.Server.AnswerCacheBytes,
		Reply: a.replyConfig()}
	var err error
	if set.Index, err = a.indexOptions(); err != nil {
		return nil, err
	}
	if c.Insight.Enabled {
		acct, err := st.Account(ctx, c.WeChat.AppID)
		if err != nil {
			return nil, err
		}
		set.Insight = acct
	}
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
	acct, err := st.Account(ctx, a.Config.WeChat.AppID)
	if err != nil {
		return err
	}
	svc.HandleAdmin("/report", a.reportHandler(acct))
	stopJobs, err := a.runScheduledJobs(ctx, st, svc)
	if err != nil {
		return err
	}
	defer stopJobs()
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

// runScheduledJobs runs, on this replica beside the others sharing the store (River gives
// each job to one of them), the jobs of publish --at, and the daily tasks (insight's
// retention). A server without the account's AppSecret cannot publish: it leaves publish
// jobs to one that can.
func (a *App) runScheduledJobs(ctx context.Context, st *store.Store, svc *bot.Service) (stop func(), err error) {
	acct, err := st.Account(ctx, a.Config.WeChat.AppID)
	if err != nil {
		return nil, err
	}
	var run schedule.Runner
	if a.Config.WeChat.AppID != "" && a.Config.WeChat.AppSecret != "" {
		run = a.runJob(acct)
	} else {
		a.Log.Warn("no wechat.app_id/app_secret: this server does not run scheduled publications")
	}
	var daily []schedule.Daily
	if a.Config.Insight.Enabled {
		retention := a.Config.Insight.Retention
		daily = append(daily, schedule.Daily{Name: "insight-retention", Run: func(ctx context.Context) error {
			n, err := acct.DeleteQueriesBefore(ctx, time.Now().Add(-retention))
			if err == nil && n > 0 {
				a.Log.WithField("deleted", n).Info("insight: records past insight.retention deleted")
			}
			return err
		}})
	}
	if run != nil {
		// Yesterday's analytics, once a day; an account without the permission is told
		// once, and replies carry on.
		var told bool
		daily = append(daily, schedule.Daily{Name: "stats-fetch", Run: func(ctx context.Context) error {
			day := time.Now().In(stats.Beijing).AddDate(0, 0, -1).Format(time.DateOnly)
			_, err := a.fetchStats(ctx, acct, day, day)
			if errors.Is(err, stats.ErrNoPermission) {
				if !told {
					told = true
					a.Log.WithError(err).Warn("analytics not fetched")
				}
				return nil
			}
			return err
		}})
	}
	if run == nil && len(daily) == 0 {
		return func() {}, nil
	}
	s, err := a.openSchedulerWith(ctx, st, run, daily)
	if err != nil {
		return nil, err
	}
	if err := svc.Register(s.Collectors()...); err != nil {
		s.Close(ctx)
		return nil, err
	}
	if err := s.Start(ctx); err != nil {
		s.Close(ctx)
		return nil, err
	}
	return func() {
		// A job under way gets a while to finish; one cut short is taken up again by a
		// replica after schedule.rescue_after, and finishes without repeating a step.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := s.Close(sctx); err != nil {
			a.Log.WithError(err).Warn("scheduled jobs stopped uncleanly")
		}
	}, nil
}

func newServeCmd(app func() *App) *cobra.Command {
	c := &cobra.Command{
		Use:   "serve",
		Short: "Run the message callback: answer followers' keywords with newsletter items",
		Long: `serve runs the WeChat message callback at server.addr + server.path (that listener
answers nothing else), and /healthz, /readyz and /metrics (GET and HEAD) on
server.admin_addr, a listener of their own to keep off the public network. It answers
followers' keywords from every issue in the store, in their language, and keeps its index
up to date as issues are imported or published. It also runs the publications scheduled
with wxpub publish --at (see wxpub schedule). SIGINT or SIGTERM stops it gracefully.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := cli.SignalContext(cmd.Context())
			defer stop()
			return app().Serve(ctx, nil)
		},
	}
	c.Flags().String("addr", "127.0.0.1:8080", "where the message callback listens (server.addr)")
	c.Flags().String("admin-addr", "127.0.0.1:9090", `where /healthz, /readyz and /metrics listen (server.admin_addr; "" turns them off)`)
	return c
}

// Ask prints what a follower sending query would get, from the store; with explain, how
// the search read the query and why the first item won.
func (a *App) Ask(ctx context.Context, query string, asJSON, explain bool) error {
	st, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	opt, err := a.indexOptions()
	if err != nil {
		return err
	}
	r, ex, err := bot.Ask(ctx, st, query, a.replyConfig(), opt, explain)
	if err != nil {
		return err
	}
	out := []byte(r.Plain())
	if asJSON {
		if out, err = r.JSON(); err != nil {
			return err
		}
	}
	if _, err = fmt.Fprintln(a.Out, string(out)); err != nil || ex == nil {
		return err
	}
	writeExplanation(a.Out, ex)
	return nil
}

// writeExplanation says, for staff, how the search read a query and why its first item
// won.
func writeExplanation(w io.Writer, ex *search.Explanation) {
	fmt.Fprintln(w, "\n--- how it was searched")
	fmt.Fprintf(w, "query:     %s\n", strings.Join(ex.Forms, "  or  "))
	if ex.In != nil {
		numbers := make([]string, len(ex.In))
		for i, n := range ex.In {
			numbers[i] = "No. " + strconv.Itoa(n)
		}
		fmt.Fprintf(w, "within:    %s\n", strings.Join(numbers, ", "))
	}
	for _, c := range ex.Concepts {
		fmt.Fprintf(w, "glossary:  %q → any of %s\n", c.Used, strings.Join(c.Entry.Forms(), ", "))
	}
	if ex.Rest != "" {
		fmt.Fprintf(w, "words:     %s (every one, in one field)\n", ex.Rest)
	}
	if ex.Partial {
		fmt.Fprintln(w, "partial:   no item had every term; items with some of them were taken")
	}
	for i, h := range ex.Hits {
		fmt.Fprintf(w, "%d. %-8s %.4f  No. %d %s  %s\n", i+1, h.ItemID, h.Score, h.Issue.Number, h.Issue.Date, h.Title.Joined())
	}
	if ex.Why != "" {
		fmt.Fprintf(w, "first:     %s\n", ex.Why)
		fmt.Fprintln(w, "           (bleve's score by field:term; then a title adds at most a quarter of its body's score,")
		fmt.Fprintln(w, "            and scores halve every 90 days behind the newest issue)")
	}
}

// Import adds issues to the store (and so to every server's index) without publishing.
// Every file is read before any is stored: one bad file imports nothing.
func (a *App) Import(ctx context.Context, paths []string, url string) error {
	if url != "" && len(paths) != 1 {
		return errors.New("--url names one issue's article: import one file with it")
	}
	if url != "" && !strings.HasPrefix(url, "http://") && !strings.HasPrefix(url, "https://") {
		return fmt.Errorf("--url %q is not an http(s) URL", url)
	}
	st, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	imported, err := publish.New(nil, st, a.reporter(), nil).Import(ctx, paths...)
	if len(imported) > 0 {
		if rerr := a.refreshIndex(ctx, st); rerr != nil {
			return rerr
		}
	}
	for _, im := range imported {
		if url != "" {
			if err := st.SetIssueURLs(ctx, im.Issue.Number, url, ""); err != nil {
				return err
			}
		}
		fmt.Fprintf(a.Out, "imported issue %d (%d items) from %s as snapshot %.12s\n", im.Issue.Number, len(im.Issue.Items()), im.Issue.Path, im.Snapshot.ID)
		a.notify(ctx, im.Issue.Number)
	}
	return err
}

func newImportCmd(app func() *App) *cobra.Command {
	var url string
	c := &cobra.Command{
		Use:   "import [--url URL] FILE…",
		Short: "Add issues to the store and the keyword index without publishing",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return app().Import(cmd.Context(), args, url)
		},
	}
	c.Flags().StringVar(&url, "url", "", "the issue's article URL, where replies link (one FILE)")
	return c
}

func newAskCmd(app func() *App) *cobra.Command {
	var asJSON, explain bool
	c := &cobra.Command{
		Use:   "ask [--json] [--explain] QUERY",
		Short: "Print what a follower sending QUERY would get",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bot.CollectLittle()
			return app().Ask(cmd.Context(), strings.Join(args, " "), asJSON, explain)
		},
	}
	c.Flags().BoolVar(&explain, "explain", false, "also show, for staff, which terms, glossary aliases and fields matched and why the first item won")
	c.Flags().BoolVar(&asJSON, "json", false, `print {"type":"news","articles":[…]} or {"type":"text","content":"…","item_ids":[…]}`)
	return c
}

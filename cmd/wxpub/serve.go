package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"runtime"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/sirupsen/logrus"
	"golang.org/x/net/netutil"

	"wxpub/config"
	"wxpub/reply"
	"wxpub/search"
	"wxpub/wechat"
)

// server is the running callback: the HTTP handler and what it needs.
type server struct {
	app      *App
	idx      *search.Index
	ix       *indexer
	callback *wechat.CallbackHandler
	public   http.Handler // the callback path, and nothing else
	admin    http.Handler // /healthz, /readyz, /metrics
	registry *prometheus.Registry
	answers  *reply.Cache
	// searching admits the searches of questions not answered before: fewer at once than
	// there are processors, so that a flood of new questions leaves a processor to every
	// other request (retries, cached answers, the admin endpoints).
	searching chan struct{}
	refresh   chan struct{}
	ready     func() error

	messages   *prometheus.CounterVec
	duration   prometheus.Histogram
	duplicates prometheus.Counter
}

// newServer builds the callback server over an index kept up to date by ix.
func (a *App) newServer(idx *search.Index, ix *indexer) (*server, error) {
	c := a.Config
	if c.WeChat.Token == "" {
		return nil, errors.New("wechat.token is required: it signs every callback request")
	}
	s := &server{app: a, idx: idx, ix: ix, refresh: make(chan struct{}, 1), registry: prometheus.NewRegistry(), answers: reply.NewCache(c.Server.AnswerCacheBytes),
		searching: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1))}
	s.ready = func() error {
		pctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return ix.st.Ping(pctx)
	}
	s.messages = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wxpub_callback_messages_total",
		Help: "Callback requests by message type and outcome."}, []string{"type", "outcome"})
	s.duration = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "wxpub_callback_duration_seconds",
		Help: "Time to answer a callback request.", Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .5, 1, 4, 5}})
	s.duplicates = prometheus.NewCounter(prometheus.CounterOpts{Name: "wxpub_callback_duplicates_total",
		Help: "WeChat retries answered from the kept reply."})
	indexSize := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "wxpub_index_items", Help: "Items in the search index."},
		func() float64 { return float64(idx.Size()) })
	cacheBytes := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "wxpub_answer_cache_bytes", Help: "Memory held by answers kept for repeated questions."},
		func() float64 { return float64(s.answers.Bytes()) })
	s.registry.MustRegister(s.messages, s.duration, s.duplicates, indexSize, cacheBytes, prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))

	var crypter *wechat.Crypter
	if c.WeChat.EncodingMode != config.ModePlain && c.WeChat.AESKey != "" {
		var err error
		if crypter, err = wechat.NewCrypter(c.WeChat.AppID, c.WeChat.AESKey, c.WeChat.AESKeyPrevious); err != nil {
			return nil, err
		}
	}
	var dedup wechat.Dedup = wechat.NewMemoryDedup(15 * time.Second)
	var replays wechat.ReplayGuard = wechat.NewMemoryReplays()
	cl, err := a.openCluster(context.Background())
	if err != nil {
		return nil, err
	}
	if cl != nil {
		dedup, replays = cl.Dedup(30*time.Second), cl.Replays()
	}
	s.callback = &wechat.CallbackHandler{
		Token: c.WeChat.Token, Mode: wechat.EncodingMode(c.WeChat.EncodingMode), Crypter: crypter,
		MaxClockSkew: c.Server.MaxClockSkew, ReplyBudget: c.Server.ReplyBudget,
		Dispatch: s.dispatch, Dedup: dedup, Replays: replays, Observe: s.observe, Hash: hashID,
		Warn: func(msg string) { a.Log.Warn(msg) },
	}
	if c.Server.MaxClockSkew == 0 {
		a.Log.Warn("server.max_clock_skew is 0: request timestamps are not checked, and a captured request can be replayed once its ten-minute replay memory has passed")
	}
	if c.WeChat.AppID != "" && c.WeChat.AppSecret != "" {
		if client, err := a.client(); err == nil {
			s.callback.Late = func(m *wechat.Message, r *wechat.Reply) { s.sendLate(client, m, r) }
		}
	}
	public := http.NewServeMux()
	public.Handle(c.Server.Path, s.callback)
	s.public = public
	admin := http.NewServeMux()
	admin.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	// Ready once the index is built, which is before the server listens. The store's and
	// Redis's states are reported, but do not make the replica unready: it answers from
	// its index without them, and all replicas share them, so failing over would not help.
	admin.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "ready: %d items\n", idx.Size())
		if s.ready != nil {
			if err := s.ready(); err != nil {
				fmt.Fprintf(w, "store: unreachable (answering from the index)\n")
			} else {
				fmt.Fprintf(w, "store: ok\n")
			}
		}
		if cl := a.cluster; cl != nil {
			state := "ok"
			if !cl.Up() {
				state = "unreachable (working in-process)"
			}
			fmt.Fprintf(w, "redis: %s\n", state)
		}
	})
	admin.Handle("/metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	s.admin = readOnly(admin)
	return s, nil
}

// readOnly lets GET and HEAD through to h and refuses every other method.
func readOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// hashID is a short, stable pseudonym of an OpenID for logs.
func hashID(openID string) string {
	sum := sha256.Sum256([]byte("wxpub:" + openID))
	return hex.EncodeToString(sum[:6])
}

func (s *server) observe(o wechat.Observation) {
	typ := o.Type
	if typ == "" {
		typ = "none"
	}
	s.messages.WithLabelValues(typ, o.Outcome).Inc()
	s.duration.Observe(o.Latency.Seconds())
	if o.Outcome == "duplicate" {
		s.duplicates.Inc()
	}
	// One line per message: never its content or the OpenID.
	s.app.Log.WithFields(logrus.Fields{"type": typ, "outcome": o.Outcome, "latency_ms": float64(o.Latency.Microseconds()) / 1000, "user": o.User}).Info("message")
}

// dispatch answers a message from the index, from the cache when the same question was
// answered against the same index before.
func (s *server) dispatch(ctx context.Context, m *wechat.Message) (*wechat.Reply, error) {
	if m.MsgType == "event" && (m.Event == "PUBLISHJOBFINISH" || m.Event == "MASSSENDJOBFINISH") {
		select {
		case s.refresh <- struct{}{}:
		default:
		}
		return &wechat.Reply{}, nil
	}
	msg := reply.Message{Type: m.MsgType, Content: m.Content, Event: m.Event, EventKey: m.EventKey, Recognition: m.Recognition}
	key := reply.CacheKey(msg)
	gen := s.idx.Generation()
	r, ok := s.answers.Get(key, gen)
	if !ok {
		// A question that cannot start within the reply budget is past answering in
		// time: dropped rather than queued, so a flood cannot pile up waiting work.
		wait := time.NewTimer(s.app.Config.Server.ReplyBudget)
		select {
		case s.searching <- struct{}{}:
			wait.Stop()
		case <-wait.C:
			return &wechat.Reply{}, nil
		}
		var err error
		r, err = reply.Answer(msg, s.idx, reply.Config{Welcome: s.app.Config.Reply.Welcome, Menu: s.app.Config.Reply.Menu})
		<-s.searching
		if err != nil {
			s.app.Log.WithError(err).Error("answer a message")
			return &wechat.Reply{Text: "暂时无法查询，请稍后再试。Search is unavailable right now; please try again later."}, nil
		}
		s.answers.Put(key, gen, r)
	}
	max := 1
	if m.MsgType == "event" {
		max = reply.MaxEventArticles
	}
	return toWeChat(r, max), nil
}

// toWeChat turns a reply into the callback's reply, with at most max articles.
func toWeChat(r reply.Reply, max int) *wechat.Reply {
	switch r.Type {
	case reply.News:
		var arts []wechat.NewsArticle
		for _, a := range r.Articles {
			if len(arts) == max {
				break
			}
			arts = append(arts, wechat.NewsArticle{Title: a.Title, Description: a.Description, PicURL: a.PicURL, URL: a.URL})
		}
		return &wechat.Reply{Articles: arts}
	case reply.Text:
		return &wechat.Reply{Text: r.Content}
	}
	return &wechat.Reply{}
}

// sendLate delivers a reply that missed the budget as a customer-service message.
func (s *server) sendLate(client *wechat.Client, m *wechat.Message, r *wechat.Reply) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var msg map[string]any
	if len(r.Articles) > 0 {
		a := r.Articles[0]
		msg = map[string]any{"touser": m.FromUserName, "msgtype": "news", "news": map[string]any{"articles": []map[string]string{
			{"title": a.Title, "description": a.Description, "url": a.URL, "picurl": a.PicURL}}}}
	} else {
		msg = map[string]any{"touser": m.FromUserName, "msgtype": "text", "text": map[string]string{"content": r.Text}}
	}
	err := client.SendCustom(ctx, msg)
	entry := s.app.Log.WithField("user", hashID(m.FromUserName))
	if err != nil {
		entry.WithError(err).Warn("late reply not delivered")
		return
	}
	entry.Info("late reply sent as a customer-service message")
}

// run keeps the index fresh until ctx ends: on a timer, when WeChat reports a publish, and
// when another process announces a change through Redis.
func (s *server) run(ctx context.Context) {
	if s.app.cluster != nil {
		go s.app.cluster.Subscribe(ctx, func() {
			select {
			case s.refresh <- struct{}{}:
			default:
			}
		})
	}
	t := time.NewTicker(s.app.Config.Server.RefreshInterval)
	defer t.Stop()
	var failing time.Time // when refreshes began to fail; zero while they work
	var logged time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.refresh:
		}
		n, err := s.ix.refresh(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			// A store outage is logged when it starts and once a minute, not per refresh.
			if failing.IsZero() {
				failing = time.Now()
			}
			if time.Since(logged) >= time.Minute {
				logged = time.Now()
				s.app.Log.WithError(err).WithField("for", time.Since(failing).Round(time.Second).String()).Warn("store unreachable: answering from the index as last loaded")
			}
		case err == nil:
			if !failing.IsZero() {
				s.app.Log.WithField("after", time.Since(failing).Round(time.Second).String()).Info("store reachable again")
				failing, logged = time.Time{}, time.Time{}
			}
			if n > 0 {
				s.app.Log.WithFields(logrus.Fields{"issues": n, "items": s.idx.Size()}).Info("search index updated")
			}
		}
	}
}

// Serve runs the callback server until ctx ends, then shuts down gracefully: it stops
// accepting, finishes the requests in flight and the replies still being made.
//
// started, if set, is called once the server listens, with its addresses and a function
// that brings its index up to date with the store at once.
func (a *App) Serve(ctx context.Context, started func(at Listening, refresh func(context.Context) error)) error {
	out := newFlushingWriter(a.Log.Out, 200*time.Millisecond)
	a.Log.SetOutput(out)
	defer func() { a.Log.SetOutput(out.w); out.Close() }()
	st, idx, ix, err := a.openIndex(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	defer idx.Close()
	s, err := a.newServer(idx, ix)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.Config.Server.Addr)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	// WeChat's requests carry a few hundred bytes of headers: more is refused before it is
	// buffered, and the connections held open at once are capped.
	srv := &http.Server{Handler: s.public, MaxHeaderBytes: maxHeaderBytes, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(netutil.LimitListener(ln, a.Config.Server.MaxConnections)) }()
	adminAddr := ""
	if a.Config.Server.AdminAddr != "" {
		aln, err := net.Listen("tcp", a.Config.Server.AdminAddr)
		if err != nil {
			srv.Close()
			return fmt.Errorf("serve: admin listener (server.admin_addr): %w", err)
		}
		adm := &http.Server{Handler: s.admin, MaxHeaderBytes: maxHeaderBytes, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
			WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}
		servers = append(servers, adm)
		go func() { errc <- adm.Serve(netutil.LimitListener(aln, 64)) }()
		adminAddr = aln.Addr().String()
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go s.run(rctx)
	// The index's segments are written to disk a few seconds after the build: the memory
	// they held then is returned with whatever else goes unused.
	go governMemory(rctx)
	addr := ln.Addr().String()
	a.Log.WithFields(logrus.Fields{"addr": addr, "path": a.Config.Server.Path, "admin": adminAddr, "items": idx.Size(),
		"encoding_mode": s.callback.Mode}).Info("serving the message callback")
	if started != nil {
		started(Listening{Callback: addr, Admin: adminAddr}, func(ctx context.Context) error { _, err := ix.refresh(ctx); return err })
	}
	select {
	case err := <-errc:
		for _, hs := range servers {
			hs.Close()
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.Log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, hs := range servers {
		if err := hs.Shutdown(sctx); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
	}
	return s.callback.Shutdown(sctx)
}

// maxHeaderBytes bounds a request's headers (net/http allows 4 KiB more for the request
// line): WeChat's need a few hundred bytes.
const maxHeaderBytes = 4 << 10

// Listening says where a started server listens: the callback, and the admin endpoints
// ("" when off).
type Listening struct {
	Callback, Admin string
}

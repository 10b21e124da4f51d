package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/sirupsen/logrus"

	"wxpub/reply"
	"wxpub/search"
	"wxpub/wechat"
)

// server is the running callback: the HTTP handler and what it needs.
type server struct {
	app        *App
	idx        *search.Index
	ix         *indexer
	callback   *wechat.CallbackHandler
	mux        *http.ServeMux
	registry   *prometheus.Registry
	answers    sync.Map     // answerKey → cachedAnswer
	nAnswers   atomic.Int64 // entries stored in answers since it was last cleared
	maxAnswers int64        // answers is cleared when it would hold more
	refresh    chan struct{}
	ready      func() error

	messages   *prometheus.CounterVec
	duration   prometheus.Histogram
	duplicates prometheus.Counter
}

type cachedAnswer struct {
	gen   uint64
	reply *wechat.Reply
}

// maxCachedAnswers bounds the answer cache; it is cleared when full.
const maxCachedAnswers = 10000

// newServer builds the callback server over an index kept up to date by ix.
func (a *App) newServer(idx *search.Index, ix *indexer) (*server, error) {
	c := a.Config
	if c.WeChat.Token == "" {
		return nil, errors.New("wechat.token is required: it signs every callback request")
	}
	s := &server{app: a, idx: idx, ix: ix, refresh: make(chan struct{}, 1), registry: prometheus.NewRegistry(), maxAnswers: maxCachedAnswers}
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
	s.registry.MustRegister(s.messages, s.duration, s.duplicates, indexSize, prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))

	var crypter *wechat.Crypter
	if c.WeChat.AESKey != "" {
		var err error
		if crypter, err = wechat.NewCrypter(c.WeChat.AppID, c.WeChat.AESKey, c.WeChat.AESKeyPrevious); err != nil {
			return nil, err
		}
	}
	var dedup wechat.Dedup = wechat.NewMemoryDedup(15 * time.Second)
	cl, err := a.openCluster(context.Background())
	if err != nil {
		return nil, err
	}
	if cl != nil {
		dedup = cl.Dedup(30 * time.Second)
	}
	s.callback = &wechat.CallbackHandler{
		Token: c.WeChat.Token, Crypter: crypter, MaxClockSkew: c.Server.MaxClockSkew, ReplyBudget: c.Server.ReplyBudget,
		Dispatch: s.dispatch, Dedup: dedup, Observe: s.observe, Hash: hashID,
	}
	if c.WeChat.AppID != "" && c.WeChat.AppSecret != "" {
		if client, err := a.client(); err == nil {
			s.callback.Late = func(m *wechat.Message, r *wechat.Reply) { s.sendLate(client, m, r) }
		}
	}
	s.mux = http.NewServeMux()
	s.mux.Handle(c.Server.Path, s.callback)
	s.mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	// Ready once the index is built, which is before the server listens. The store's and
	// Redis's states are reported, but do not make the replica unready: it answers from
	// its index without them, and all replicas share them, so failing over would not help.
	s.mux.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
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
	s.mux.Handle("/metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	return s, nil
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
	key := m.MsgType + "\x00" + strings.ToLower(strings.TrimSpace(m.Content)) + "\x00" + m.Event + "\x00" + m.EventKey + "\x00" + m.Recognition
	gen := s.idx.Generation()
	if v, ok := s.answers.Load(key); ok {
		if c := v.(cachedAnswer); c.gen == gen {
			return c.reply, nil
		}
	}
	r, err := reply.Answer(reply.Message{Type: m.MsgType, Content: m.Content, Event: m.Event, EventKey: m.EventKey, Recognition: m.Recognition},
		s.idx, reply.Config{Welcome: s.app.Config.Reply.Welcome, Menu: s.app.Config.Reply.Menu})
	if err != nil {
		s.app.Log.WithError(err).Error("answer a message")
		return &wechat.Reply{Text: "暂时无法查询，请稍后再试。Search is unavailable right now; please try again later."}, nil
	}
	max := 1
	if m.MsgType == "event" {
		max = reply.MaxEventArticles
	}
	out := toWeChat(r, max)
	// A count, not a walk of the map: this runs for every question not answered before.
	if s.nAnswers.Add(1) > s.maxAnswers {
		s.answers.Clear()
		s.nAnswers.Store(1)
	}
	s.answers.Store(key, cachedAnswer{gen: gen, reply: out})
	return out, nil
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
// started, if set, is called once the server listens, with its address and a function
// that brings its index up to date with the store at once.
func (a *App) Serve(ctx context.Context, started func(addr string, refresh func(context.Context) error)) error {
	// Under load the server allocates fast and keeps little (the index and the kept
	// replies): collecting at 4× the live heap instead of 2× cut the collector's share of
	// the CPU enough to serve a tenth more requests (BENCHMARKS.md). GOGC still overrides.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
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
	srv := &http.Server{Handler: s.mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go s.run(rctx)
	// The index's segments are written to disk a few seconds after the build; return the
	// memory they held then, so an idle server stays small.
	settle := time.AfterFunc(5*time.Second, debug.FreeOSMemory)
	defer settle.Stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	addr := ln.Addr().String()
	a.Log.WithFields(logrus.Fields{"addr": addr, "path": a.Config.Server.Path, "items": idx.Size(), "safe_mode": s.callback.Crypter != nil}).Info("serving the message callback")
	if started != nil {
		started(addr, func(ctx context.Context) error { _, err := ix.refresh(ctx); return err })
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.Log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return s.callback.Shutdown(sctx)
}

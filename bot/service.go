// Package bot is the message service: the callback WeChat posts followers' messages to,
// answered from a search index of every stored issue. It wires the callback protocol
// (package wechat) to the answers (package reply), keeps the index in step with the store,
// caches answers, sends replies that missed WeChat's window as customer-service messages,
// and serves health and metrics on a listener of their own. It takes plain values, so one
// process can run it for several accounts.
package bot

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

	"wxpub/reply"
	"wxpub/search"
	"wxpub/wechat"
)

// Settings say how the service answers.
type Settings struct {
	// Path is the callback's path on the public listener; it answers nothing else.
	Path string
	// Token signs every callback request; Mode and Crypter are the account's 消息加解密方式
	// and its EncodingAESKey(s) (nil in plain mode).
	Token   string
	Mode    wechat.EncodingMode
	Crypter *wechat.Crypter
	// MaxClockSkew refuses requests whose timestamp is further from now (0: no check).
	MaxClockSkew time.Duration
	// ReplyBudget is how long a reply may take before the callback answers "success".
	ReplyBudget time.Duration
	// RefreshInterval is how often the index looks for issues changed by other processes.
	RefreshInterval time.Duration
	// MaxConnections caps the public listener's open connections.
	MaxConnections int
	// AnswerCacheBytes bounds the answers kept for repeated questions (0: none kept).
	AnswerCacheBytes int
	// Reply is the account's reply settings (welcome, menu).
	Reply reply.Config
	// Index says where the search index persists and which glossary it reads queries with.
	Index IndexOptions
	// Insight, when set, keeps what followers ask (their OpenIDs as keyed hashes).
	Insight Insight
}

// Sharing is what replicas share, through Redis: the replies kept for WeChat's retries,
// the marks of accepted requests, and notices of changed issues. The zero value keeps
// everything in this process.
type Sharing struct {
	Dedup   wechat.Dedup
	Replays wechat.ReplayGuard
	Notices Notices
}

// Notices tells of issues changed by other processes; *cluster.Cluster has it.
type Notices interface {
	// Subscribe calls changed for every notice until ctx ends.
	Subscribe(ctx context.Context, changed func())
	// Up reports whether the notices (and what else is shared) are reachable.
	Up() bool
}

// CustomSender sends a customer-service message; *wechat.Client has it.
type CustomSender interface {
	SendCustom(ctx context.Context, msg any) error
}

// Service is one account's message service.
type Service struct {
	set      Settings
	log      logrus.FieldLogger
	st       Store
	idx      *search.Index
	sync     *Syncer
	notices  Notices // nil: this process alone
	callback *wechat.CallbackHandler
	public   http.Handler
	admin    http.Handler
	// adminRoutes are the admin listener's routes, which other parts may add to.
	adminRoutes *http.ServeMux
	registry    *prometheus.Registry
	answers     *reply.Cache
	// searching admits the searches of questions not answered before: fewer at once than
	// there are processors, so that a flood of new questions leaves a processor to every
	// other request (retries, cached answers, the admin endpoints).
	searching chan struct{}
	refresh   chan struct{}

	messages   *prometheus.CounterVec
	duration   prometheus.Histogram
	duplicates prometheus.Counter

	insight *recorder // nil without Settings.Insight
}

// New builds the service over st, with an index of everything in it. late, when not nil,
// sends the replies that missed WeChat's window.
func New(ctx context.Context, set Settings, st Store, shared Sharing, late CustomSender, log logrus.FieldLogger) (*Service, error) {
	if set.Token == "" {
		return nil, errors.New("wechat.token is required: it signs every callback request")
	}
	if set.ReplyBudget <= 0 {
		set.ReplyBudget = 4 * time.Second
	}
	if set.RefreshInterval <= 0 {
		set.RefreshInterval = 2 * time.Second
	}
	if set.MaxConnections <= 0 {
		set.MaxConnections = 1024
	}
	idx, sync, err := NewIndex(ctx, st, set.Index)
	if err != nil {
		return nil, err
	}
	s := &Service{set: set, log: log, st: st, idx: idx, sync: sync, notices: shared.Notices, refresh: make(chan struct{}, 1),
		registry: prometheus.NewRegistry(), answers: reply.NewCache(set.AnswerCacheBytes),
		searching: make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1))}
	if set.Insight != nil {
		s.insight = newRecorder(set.Insight, log)
	}
	s.metrics()
	dedup, replays := shared.Dedup, shared.Replays
	if dedup == nil {
		dedup = wechat.NewMemoryDedup(15 * time.Second)
	}
	if replays == nil {
		replays = wechat.NewMemoryReplays()
	}
	s.callback = &wechat.CallbackHandler{
		Token: set.Token, Mode: set.Mode, Crypter: set.Crypter, MaxClockSkew: set.MaxClockSkew, ReplyBudget: set.ReplyBudget,
		Dispatch: s.Dispatch, AtOnce: s.AtOnce, Dedup: dedup, Replays: replays, Observe: s.observe, Hash: HashID,
		Warn: func(msg string) { log.Warn(msg) },
	}
	if late != nil {
		s.callback.Late = func(m *wechat.Message, r *wechat.Reply) { s.sendLate(late, m, r) }
	}
	if set.MaxClockSkew == 0 {
		log.Warn("server.max_clock_skew is 0: request timestamps are not checked, and a captured request can be replayed once its ten-minute replay memory has passed")
	}
	public := http.NewServeMux()
	public.Handle(set.Path, s.callback)
	s.public = public
	s.adminRoutes = s.adminMux()
	s.admin = readOnly(s.adminRoutes)
	return s, nil
}

// Close releases the index.
func (s *Service) Close() error {
	if s.insight != nil {
		s.insight.close()
	}
	return s.idx.Close()
}

// Index is the search index the service answers from.
func (s *Service) Index() *search.Index { return s.idx }

// Public is the handler of the public listener: the callback path, and nothing else.
func (s *Service) Public() http.Handler { return s.public }

// Admin is the handler of /healthz, /readyz and /metrics, GET and HEAD only.
func (s *Service) Admin() http.Handler { return s.admin }

// Refresh brings the index up to date with the store at once.
func (s *Service) Refresh(ctx context.Context) (int, error) { return s.sync.Refresh(ctx) }

// HandleAdmin adds a page to the admin listener (GET and HEAD only, as the others):
// /report, say.
func (s *Service) HandleAdmin(pattern string, h http.Handler) { s.adminRoutes.Handle(pattern, h) }

// Register adds metrics of the process's other parts (the scheduler's, say) to the admin
// listener's /metrics.
func (s *Service) Register(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := s.registry.Register(c); err != nil {
			return fmt.Errorf("register metrics: %w", err)
		}
	}
	return nil
}

func (s *Service) metrics() {
	s.messages = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "wxpub_callback_messages_total",
		Help: "Callback requests by message type and outcome."}, []string{"type", "outcome"})
	s.duration = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "wxpub_callback_duration_seconds",
		Help: "Time to answer a callback request.", Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .5, 1, 4, 5}})
	s.duplicates = prometheus.NewCounter(prometheus.CounterOpts{Name: "wxpub_callback_duplicates_total",
		Help: "WeChat retries answered from the kept reply."})
	indexSize := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "wxpub_index_items", Help: "Items in the search index."},
		func() float64 { return float64(s.idx.Size()) })
	cacheBytes := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "wxpub_answer_cache_bytes", Help: "Memory held by answers kept for repeated questions."},
		func() float64 { return float64(s.answers.Bytes()) })
	if s.insight != nil {
		s.registry.MustRegister(s.insight.dropped)
	}
	s.registry.MustRegister(s.messages, s.duration, s.duplicates, indexSize, cacheBytes, prometheus.NewGoCollector(),
		prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
}

func (s *Service) adminMux() *http.ServeMux {
	admin := http.NewServeMux()
	admin.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	// Ready once the index is built, which is before the server listens. The store's and
	// Redis's states are reported, but do not make the replica unready: it answers from
	// its index without them, and all replicas share them, so failing over would not help.
	admin.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "ready: %d items\n", s.idx.Size())
		pctx, cancel := context.WithTimeout(r.Context(), time.Second)
		defer cancel()
		if err := s.st.Ping(pctx); err != nil {
			fmt.Fprintf(w, "store: unreachable (answering from the index)\n")
		} else {
			fmt.Fprintf(w, "store: ok\n")
		}
		if s.notices != nil {
			state := "ok"
			if !s.notices.Up() {
				state = "unreachable (working in-process)"
			}
			fmt.Fprintf(w, "redis: %s\n", state)
		}
	})
	admin.Handle("/metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	return admin
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

// HashID is a short, stable pseudonym of an OpenID for logs.
func HashID(openID string) string {
	sum := sha256.Sum256([]byte("wxpub:" + openID))
	return hex.EncodeToString(sum[:6])
}

func (s *Service) observe(o wechat.Observation) {
	typ := o.Type
	if typ == "" {
		typ = "none"
	}
	s.messages.WithLabelValues(typ, o.Outcome).Inc()
	s.duration.Observe(o.Latency.Seconds())
	if o.Outcome == "duplicate" {
		s.duplicates.Inc()
	}
	// One line per message at debug, never its content or the OpenID: at info, formatting
	// it was 15 % of a cached answer's time (BenchmarkCallback -cpuprofile), and the
	// metrics above count the same messages. Checked first, so that a server at info
	// does not even build the entry.
	if debugEnabled(s.log) {
		s.log.WithFields(logrus.Fields{"type": typ, "outcome": o.Outcome, "latency_ms": float64(o.Latency.Microseconds()) / 1000, "user": o.User}).Debug("message")
	}
}

// debugEnabled says whether log writes debug lines (yes, for a logger that cannot say).
func debugEnabled(log logrus.FieldLogger) bool {
	switch l := log.(type) {
	case *logrus.Logger:
		return l.IsLevelEnabled(logrus.DebugLevel)
	case *logrus.Entry:
		return l.Logger.IsLevelEnabled(logrus.DebugLevel)
	}
	return true
}

// Dispatch answers a message from the index, from the cache when the same question was
// answered against the same index before.
func (s *Service) Dispatch(ctx context.Context, m *wechat.Message) (*wechat.Reply, error) {
	if jobEvent(m) {
		s.wake()
		return &wechat.Reply{}, nil
	}
	if r, ok := s.AtOnce(m); ok {
		return r, nil
	}
	msg, start := replyMessage(m), time.Now()
	key := reply.CacheKey(msg)
	gen := s.idx.Generation()
	// A question that cannot start within the reply budget is past answering in
	// time: dropped rather than queued, so a flood cannot pile up waiting work.
	wait := time.NewTimer(s.set.ReplyBudget)
	select {
	case s.searching <- struct{}{}:
		wait.Stop()
	case <-wait.C:
		return &wechat.Reply{}, nil
	}
	// The answer may outlast the budget (then it is sent late), not the store.
	actx, cancel := context.WithTimeout(ctx, 2*s.set.ReplyBudget)
	r, err := reply.Answer(actx, msg, s.idx, s.set.Reply)
	cancel()
	<-s.searching
	if err != nil {
		s.log.WithError(err).Error("answer a message")
		return &wechat.Reply{Text: "暂时无法查询，请稍后再试。Search is unavailable right now; please try again later."}, nil
	}
	s.answers.Put(key, gen, r)
	return s.deliver(m, msg, r, start), nil
}

// AtOnce answers a message from the cache alone, as Dispatch would; false when the
// question was not answered against this index before (or is a job's event).
func (s *Service) AtOnce(m *wechat.Message) (*wechat.Reply, bool) {
	if jobEvent(m) {
		return nil, false
	}
	msg, start := replyMessage(m), time.Now()
	r, ok := s.answers.Get(reply.CacheKey(msg), s.idx.Generation())
	if !ok {
		return nil, false
	}
	return s.deliver(m, msg, r, start), true
}

// jobEvent is WeChat telling that a publish or mass-send job finished: it wakes the
// publisher rather than asking for a reply.
func jobEvent(m *wechat.Message) bool {
	return m.MsgType == "event" && (m.Event == "PUBLISHJOBFINISH" || m.Event == "MASSSENDJOBFINISH")
}

// replyMessage is what reply reads of a message.
func replyMessage(m *wechat.Message) reply.Message {
	return reply.Message{Type: m.MsgType, Content: m.Content, Event: m.Event, EventKey: m.EventKey, Recognition: m.Recognition}
}

// deliver records the answer for insight and shapes it as WeChat takes it: one article
// for a message, more for an event.
func (s *Service) deliver(m *wechat.Message, msg reply.Message, r reply.Reply, start time.Time) *wechat.Reply {
	if s.insight != nil {
		s.insight.record(m.FromUserName, msg, r, time.Since(start))
	}
	max := 1
	if m.MsgType == "event" {
		max = reply.MaxEventArticles
	}
	return r.WeChat(max)
}

// sendLate delivers a reply that missed the budget as a customer-service message.
func (s *Service) sendLate(to CustomSender, m *wechat.Message, r *wechat.Reply) {
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
	err := to.SendCustom(ctx, msg)
	entry := s.log.WithField("user", HashID(m.FromUserName))
	if err != nil {
		entry.WithError(err).Warn("late reply not delivered")
		return
	}
	entry.Info("late reply sent as a customer-service message")
}

// wake asks the refresh loop to look at the store now.
func (s *Service) wake() {
	select {
	case s.refresh <- struct{}{}:
	default:
	}
}

// Run keeps the index fresh until ctx ends: on a timer, when WeChat reports a publish, and
// when another process announces a change.
func (s *Service) Run(ctx context.Context) {
	if s.notices != nil {
		go s.notices.Subscribe(ctx, s.wake)
	}
	t := time.NewTicker(s.set.RefreshInterval)
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
		n, err := s.sync.Refresh(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			// A store outage is logged when it starts and once a minute, not per refresh.
			if failing.IsZero() {
				failing = time.Now()
			}
			if time.Since(logged) >= time.Minute {
				logged = time.Now()
				s.log.WithError(err).WithField("for", time.Since(failing).Round(time.Second).String()).Warn("store unreachable: answering from the index as last loaded")
			}
		case err == nil:
			if !failing.IsZero() {
				s.log.WithField("after", time.Since(failing).Round(time.Second).String()).Info("store reachable again")
				failing, logged = time.Time{}, time.Time{}
			}
			if n > 0 {
				s.log.WithFields(logrus.Fields{"issues": n, "items": s.idx.Size()}).Info("search index updated")
			}
		}
	}
}

// MaxHeaderBytes bounds a request's headers (net/http allows 4 KiB more for the request
// line): WeChat's need a few hundred bytes.
const MaxHeaderBytes = 4 << 10

// Serve answers on the public listener (and the admin endpoints on admin, when not nil),
// keeping the index fresh, until ctx ends; then it shuts down gracefully: it stops
// accepting, finishes the requests in flight and the replies still being made.
func (s *Service) Serve(ctx context.Context, public, admin net.Listener) error {
	// WeChat's requests carry a few hundred bytes of headers: more is refused before it is
	// buffered, and the connections held open at once are capped.
	srv := &http.Server{Handler: s.public, MaxHeaderBytes: MaxHeaderBytes, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(netutil.LimitListener(public, s.set.MaxConnections)) }()
	if admin != nil {
		adm := &http.Server{Handler: s.admin, MaxHeaderBytes: MaxHeaderBytes, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
			WriteTimeout: 30 * time.Second, IdleTimeout: 120 * time.Second}
		servers = append(servers, adm)
		go func() { errc <- adm.Serve(netutil.LimitListener(admin, 64)) }()
	}
	rctx, stop := context.WithCancel(ctx)
	defer stop()
	go s.Run(rctx)
	select {
	case err := <-errc:
		for _, hs := range servers {
			hs.Close()
		}
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, hs := range servers {
		if err := hs.Shutdown(sctx); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
	}
	return s.callback.Shutdown(sctx)
}

// Mode is the encoding mode the callback runs in.
func (s *Service) Mode() wechat.EncodingMode { return s.callback.Mode }

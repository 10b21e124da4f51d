package bot

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"

	"wxpub/issue"
	"wxpub/reply"
	"wxpub/store"
)

// Insight keeps what followers ask; *store.Store (seen by the account) has it.
type Insight interface {
	Follower(ctx context.Context, openID string) (string, error)
	RecordQueries(ctx context.Context, qs []store.Query) error
}

// asked is one message waiting to be recorded; the OpenID is hashed by the writer, off the
// reply's path, and never leaves this process.
type asked struct {
	openID string
	q      store.Query
}

// recorder writes what followers ask to the store in batches, off the reply's path: a
// reply never waits for the store, and when the store falls behind, records are dropped
// (and counted) rather than piling up in memory.
type recorder struct {
	to      Insight
	log     logrus.FieldLogger
	queue   chan asked
	dropped prometheus.Counter
	done    chan struct{}
	// mu lets record and close race: a dispatch still finishing as the service closes
	// must not send on the closed queue.
	mu     sync.RWMutex
	closed bool
}

// recorderQueue bounds the records waiting to be written.
const recorderQueue = 4096

func newRecorder(to Insight, log logrus.FieldLogger) *recorder {
	r := &recorder{to: to, log: log, queue: make(chan asked, recorderQueue), done: make(chan struct{}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "wxpub_insight_dropped_total",
			Help: "Follower messages not recorded for insight because the store fell behind."})}
	go r.run()
	return r
}

// record queues one answered message: text, recognised voice, or a menu click.
func (r *recorder) record(openID string, m reply.Message, answer reply.Reply, latency time.Duration) {
	// A search counts as its keyword ("有没有关于区块链的内容" and "最新一期 区块链" are asks
	// for 区块链); anything else as it was sent, and a menu click as its button.
	text := answer.Searched
	switch {
	case strings.EqualFold(m.Type, "event") && strings.EqualFold(m.Event, "click"):
		text = "menu:" + m.EventKey
	case text != "":
	case strings.EqualFold(m.Type, "voice"):
		text = m.Recognition
	case strings.EqualFold(m.Type, "text"):
		text = m.Content
	default:
		return
	}
	lang := "zh"
	if answer.Lang == issue.LangEn {
		lang = "en"
	}
	q := store.Query{At: time.Now(), Query: reply.Normalize(text), Lang: lang, Outcome: answer.Outcome, Items: answer.Items(), Latency: latency}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		r.dropped.Inc()
		return
	}
	select {
	case r.queue <- asked{openID: openID, q: q}:
	default:
		r.dropped.Inc()
	}
}

func (r *recorder) run() {
	defer close(r.done)
	var batch []store.Query
	flush := func() {
		if len(batch) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.to.RecordQueries(ctx, batch); err != nil {
			r.dropped.Add(float64(len(batch)))
			r.log.WithError(err).Warn("insight: follower messages not recorded")
		}
		batch = batch[:0]
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case a, ok := <-r.queue:
			if !ok {
				flush()
				return
			}
			f, err := r.to.Follower(context.Background(), a.openID)
			if err != nil {
				r.dropped.Inc()
				continue
			}
			a.q.Follower = f
			batch = append(batch, a.q)
			if len(batch) >= 200 {
				flush()
			}
		case <-tick.C:
			flush()
		}
	}
}

// close writes what is queued and stops.
func (r *recorder) close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	close(r.queue)
	r.mu.Unlock()
	<-r.done
}

// Package cluster lets several wxpub replicas act as one through Redis: they share the
// WeChat access token (one refresher at a time), the replies kept for WeChat's retries, and
// notices of issues imported or published, so that each replica refreshes its index.
//
// Redis is a convenience, never a dependency of a reply: while it is unreachable, each
// replica keeps its last good token, keeps replies in-process and refreshes its index on
// its timer, and it takes up sharing again by itself when Redis is back. The outage is
// logged once per interval, not per request.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sirupsen/logrus"

	"wxpub/wechat"
)

// go-redis logs every failed dial on its own (and so every request during an outage);
// this package reports outages itself, once per interval. go-redis's logger is
// process-global: the first Open silences it.
var quietOnce sync.Once

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// Options configure the connection.
type Options struct {
	Addr     string
	Password string
	DB       int
	// Prefix starts every key and channel (default "wxpub:"), so that several
	// deployments, or tests, can share one Redis.
	Prefix string
	// Log receives the outage notices (default: discarded).
	Log logrus.FieldLogger
	// OutageInterval is how often a continuing outage is logged again (default 1 minute).
	OutageInterval time.Duration
	// Timeout bounds each Redis command (default 1 s; during an outage only one command a
	// second waits for it, the others go straight to the in-process fallback).
	Timeout time.Duration
}

// Cluster is the shared state of the replicas.
type Cluster struct {
	rdb     *redis.Client
	prefix  string
	timeout time.Duration
	outage  *outage

	replayOnce sync.Once
	replayMark *Replays
	// batch queues concurrent messages' commands for shared pipelines.
	batch     batching
	closeOnce sync.Once
}

// replays is the cluster's one replay guard.
func (c *Cluster) replays() *Replays {
	c.replayOnce.Do(func() { c.replayMark = &Replays{c: c, local: wechat.NewMemoryReplays()} })
	return c.replayMark
}

// Open connects to Redis. An unreachable Redis is not an error: the replica starts alone
// and joins the others when it can.
func Open(ctx context.Context, opt Options) (*Cluster, error) {
	if opt.Addr == "" {
		return nil, errors.New("cluster: redis.addr is required")
	}
	quietOnce.Do(func() { redis.SetLogger(quiet{}) })
	if opt.Prefix == "" {
		opt.Prefix = "wxpub:"
	}
	if opt.Timeout <= 0 {
		opt.Timeout = time.Second
	}
	if opt.OutageInterval <= 0 {
		opt.OutageInterval = time.Minute
	}
	if opt.Log == nil {
		l := logrus.New()
		l.SetLevel(logrus.PanicLevel)
		opt.Log = l
	}
	rdb := redis.NewClient(&redis.Options{Addr: opt.Addr, Password: opt.Password, DB: opt.DB,
		DialTimeout: time.Second, ReadTimeout: opt.Timeout, WriteTimeout: opt.Timeout,
		MaxRetries: -1, PoolSize: 64, MinIdleConns: 4})
	c := &Cluster{rdb: rdb, prefix: opt.Prefix, timeout: opt.Timeout, outage: &outage{log: opt.Log, every: opt.OutageInterval}}
	pctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	if err := rdb.Ping(pctx).Err(); err != nil {
		c.outage.fail(err)
	}
	return c, nil
}

// Close closes the connections.
func (c *Cluster) Close() error {
	c.closeOnce.Do(c.closeBatching)
	return c.rdb.Close()
}

// Up reports whether Redis answered the last command.
func (c *Cluster) Up() bool { return !c.outage.isDown() }

// errSkipped stands for a command not sent: Redis failed within the last probeEvery.
var errSkipped = errors.New("redis unreachable (not retried until the next probe)")

// probeEvery is how often, during an outage, a command is let through to see whether
// Redis is back; the others go straight to the in-process fallback, so that an outage
// costs replies no time.
const probeEvery = time.Second

// skip reports whether a command should not be sent now.
func (c *Cluster) skip() bool { return c.outage.skip(probeEvery) }

func (c *Cluster) ctx(parent context.Context) (context.Context, context.CancelFunc) {
	if parent == nil {
		parent = context.Background()
	}
	return context.WithTimeout(parent, c.timeout)
}

// result records what a command tells of Redis's health; redis.Nil (no such key) is an
// answer, not an outage.
func (c *Cluster) result(err error) error {
	if err == nil || errors.Is(err, redis.Nil) {
		c.outage.ok()
		return err
	}
	c.outage.fail(err)
	return err
}

// outage logs Redis going away once per interval, and its return once.
type outage struct {
	log    logrus.FieldLogger
	every  time.Duration
	mu     sync.Mutex
	down   bool
	since  time.Time
	last   time.Time
	probed time.Time
}

func (o *outage) fail(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := time.Now()
	o.probed = now
	if !o.down {
		o.down, o.since, o.last = true, now, now
		o.log.WithError(err).Warn("redis unreachable: tokens, kept replies and change notices are per replica until it is back")
		return
	}
	if now.Sub(o.last) >= o.every {
		o.last = now
		o.log.WithError(err).WithField("for", now.Sub(o.since).Round(time.Second).String()).Warn("redis still unreachable")
	}
}

func (o *outage) ok() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.down {
		o.down = false
		o.log.WithField("after", time.Since(o.since).Round(time.Second).String()).Info("redis reachable again: sharing resumes")
	}
}

// skip is true during an outage, but for one caller per interval (the probe).
func (o *outage) skip(every time.Duration) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.down {
		return false
	}
	if time.Since(o.probed) >= every {
		o.probed = time.Now()
		return false
	}
	return true
}

func (o *outage) isDown() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.down
}

// Notify tells every replica that an issue changed in the store.
func (c *Cluster) Notify(ctx context.Context, issue int) error {
	if c.skip() {
		return fmt.Errorf("notify replicas of issue %d: %w", issue, errSkipped)
	}
	cctx, cancel := c.ctx(ctx)
	defer cancel()
	if err := c.result(c.rdb.Publish(cctx, c.prefix+"changes", strconv.Itoa(issue)).Err()); err != nil {
		return fmt.Errorf("notify replicas of issue %d: %w", issue, err)
	}
	return nil
}

// Subscribe calls changed for every change notice until ctx ends, and once each time the
// subscription is (re)established, to catch up on notices missed while it was down.
func (c *Cluster) Subscribe(ctx context.Context, changed func()) {
	wait := 100 * time.Millisecond
	for ctx.Err() == nil {
		ps := c.rdb.Subscribe(ctx, c.prefix+"changes")
		if _, err := ps.Receive(ctx); err != nil {
			ps.Close()
			if ctx.Err() != nil {
				return
			}
			c.result(err)
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return
			}
			wait = min(wait*2, 5*time.Second)
			continue
		}
		c.outage.ok()
		wait = 100 * time.Millisecond
		changed()
		for {
			if _, err := ps.ReceiveMessage(ctx); err != nil {
				if ctx.Err() == nil {
					c.result(err)
				}
				break
			}
			changed()
		}
		ps.Close()
	}
}

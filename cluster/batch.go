package cluster

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Concurrent messages' commands go to Redis together: whatever is waiting when a
// pipeline leaves goes in it, so that under load one write and one read carry dozens of
// commands instead of one each (the syscalls, on both sides, were most of the cost of
// sharing). A command never waits for company.
//
// The pipeline is sent by the request that finds no more than batchers - 1 in flight (a
// leader), in its own goroutine: handing each admit to a batcher goroutine and its answer
// back cost two wake-ups a message, more than the pipeline itself, as pipelines under
// load carry only a few commands (messages come about as often as a round trip takes).
// A leader sends what is queued once; what queued meanwhile goes on in a goroutine.

// op is one message's commands in a batch: an admit (answer set: mark the request, claim
// the message) or a kept reply to store (answer nil: value under claimKey).
type op struct {
	ctx                 context.Context
	replayKey, claimKey string
	replayTTL, claimTTL time.Duration
	value               []byte
	answer              chan admission
}

// admission is what Redis answered an admit: whether the request and the message were
// new, and the value found under the claim (a kept reply, pending, or "" when claimed).
type admission struct {
	first, claimed bool
	kept           string
	err            error
}

// batchers is how many pipelines may be in flight at once.
const batchers = 4

// maxBatch bounds one pipeline.
const maxBatch = 128

// batching is the queue of commands for the next pipeline.
type batching struct {
	mu       sync.Mutex
	queue    []op
	inFlight int // pipelines being sent
	closed   bool
}

// take removes up to maxBatch queued commands, or says there are none (and the caller's
// pipeline is no longer in flight).
func (b *batching) take() ([]op, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) == 0 || b.closed {
		b.inFlight--
		return nil, false
	}
	n := min(len(b.queue), maxBatch)
	batch := make([]op, n)
	copy(batch, b.queue)
	b.queue = append(b.queue[:0], b.queue[n:]...)
	return batch, true
}

// more reports whether commands are queued; when none are, the caller's pipeline is no
// longer in flight (checked and counted at once, so that no command is left without one).
func (b *batching) more() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) == 0 || b.closed {
		b.inFlight--
		return false
	}
	return true
}

// flush sends one pipeline of what is queued; what queued meanwhile goes on in a
// goroutine, so that a leader waits for one round trip only.
func (c *Cluster) flush() {
	batch, ok := c.batch.take()
	if !ok {
		return
	}
	c.runBatch(batch)
	if c.batch.more() {
		go c.drain()
	}
}

// drain sends pipelines until nothing is queued.
func (c *Cluster) drain() {
	for {
		batch, ok := c.batch.take()
		if !ok {
			return
		}
		c.runBatch(batch)
	}
}

// closeBatching fails every queued command; later ones fail at once.
func (c *Cluster) closeBatching() {
	c.batch.mu.Lock()
	queued := c.batch.queue
	c.batch.queue, c.batch.closed = nil, true
	c.batch.mu.Unlock()
	for _, o := range queued {
		if o.answer != nil {
			o.answer <- admission{err: redis.ErrClosed}
		}
	}
}

func (c *Cluster) runBatch(batch []op) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	var starts []int
	exec := func() ([]redis.Cmder, error) {
		pipe := c.rdb.Pipeline()
		// An admit is two plain commands (cheaper for Redis than a script): mark the
		// request, and claim the message reading what is kept for it in the same SET
		// (NX GET: Redis 7). A replay that claims (its message's claim expired) is told
		// apart by its mark and not dispatched.
		starts = make([]int, len(batch))
		n := 0
		for i, o := range batch {
			starts[i] = n
			if o.answer == nil {
				pipe.Set(ctx, o.claimKey, o.value, o.claimTTL)
				n++
				continue
			}
			pipe.SetNX(ctx, o.replayKey, "1", o.replayTTL)
			pipe.SetArgs(ctx, o.claimKey, pending, redis.SetArgs{Mode: "NX", TTL: o.claimTTL, Get: true})
			n += 2
		}
		return pipe.Exec(ctx)
	}
	cmds, err := exec()
	if errors.Is(err, redis.Nil) {
		err = nil // a claim that found nothing: an answer
	}
	for i, o := range batch {
		if o.answer == nil {
			continue
		}
		at := starts[i]
		if at+1 >= len(cmds) {
			if err == nil {
				err = errors.New("cluster: short pipeline")
			}
			o.answer <- admission{err: err}
			continue
		}
		first, err1 := cmds[at].(*redis.BoolCmd).Result()
		// The claim's SET answers the value it found: none when it claimed.
		kept, err2 := cmds[at+1].(*redis.StatusCmd).Result()
		claimed := errors.Is(err2, redis.Nil)
		if err1 != nil || (err2 != nil && !claimed) {
			o.answer <- admission{err: errors.Join(err1, err2)}
			continue
		}
		// A replayed request claims nothing, even where its message's claim expired.
		o.answer <- admission{first: first, claimed: claimed && first, kept: kept}
	}
}

// send queues a command for the next pipeline and, for an admit, waits for its answer.
func (c *Cluster) send(o op) admission {
	b := &c.batch
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return admission{err: redis.ErrClosed}
	}
	b.queue = append(b.queue, o)
	lead := b.inFlight < batchers
	if lead {
		b.inFlight++
	}
	b.mu.Unlock()
	if o.answer == nil {
		// A kept reply is stored after the reply has gone: nobody waits for it.
		if lead {
			go c.drain()
		}
		return admission{}
	}
	if lead {
		c.flush()
	}
	select {
	case a := <-o.answer:
		return a
	case <-o.ctx.Done():
		return admission{err: o.ctx.Err()}
	}
}

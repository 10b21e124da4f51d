package cluster

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// Concurrent messages' commands go to Redis together: whatever is waiting when a
// pipeline leaves goes in it, so that under load one write and one read carry dozens of
// commands instead of one each (the syscalls, on both sides, were most of the cost of
// sharing). A command never waits for company: an idle batcher sends at once.

// op is one command of a batch: an admit (its answer awaited) or a kept reply to store.
type op struct {
	ctx    context.Context
	keys   []string
	args   []any
	set    bool // a SET key value PX ttl, answered by nobody
	answer chan opResult
}

type opResult struct {
	val []interface{}
	err error
}

// batchers is how many pipelines may be in flight at once.
const batchers = 4

// maxBatch bounds one pipeline.
const maxBatch = 128

func (c *Cluster) startBatchers() {
	c.ops = make(chan op, 4*maxBatch)
	c.closed = make(chan struct{})
	for range batchers {
		go c.batchLoop()
	}
}

func (c *Cluster) batchLoop() {
	for {
		var first op
		select {
		case first = <-c.ops:
		case <-c.closed:
			return
		}
		batch := []op{first}
	gather:
		for len(batch) < maxBatch {
			select {
			case o := <-c.ops:
				batch = append(batch, o)
			default:
				break gather
			}
		}
		c.runBatch(batch)
	}
}

func (c *Cluster) runBatch(batch []op) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	var starts []int
	exec := func() ([]redis.Cmder, error) {
		pipe := c.rdb.Pipeline()
		// An admit is three plain commands (cheaper for Redis than a script): mark the
		// request, claim the message, read what is kept for it. A replay that claims
		// (its message's claim expired) is told apart by its mark and not dispatched.
		starts = make([]int, len(batch))
		n := 0
		for i, o := range batch {
			starts[i] = n
			if o.set {
				pipe.Set(ctx, o.keys[0], o.args[0], o.args[1].(time.Duration))
				n++
				continue
			}
			pipe.SetNX(ctx, o.keys[0], "1", o.args[0].(time.Duration))
			pipe.SetNX(ctx, o.keys[1], o.args[2], o.args[1].(time.Duration))
			pipe.Get(ctx, o.keys[1])
			n += 3
		}
		return pipe.Exec(ctx)
	}
	cmds, err := exec()
	if errors.Is(err, redis.Nil) {
		err = nil // a GET of nothing: an answer
	}
	for i, o := range batch {
		if o.answer == nil {
			continue
		}
		var r opResult
		at := starts[i]
		if at+2 >= len(cmds) {
			r.err = err
			if r.err == nil {
				r.err = errors.New("cluster: short pipeline")
			}
			o.answer <- r
			continue
		}
		first, err1 := cmds[at].(*redis.BoolCmd).Result()
		claimed, err2 := cmds[at+1].(*redis.BoolCmd).Result()
		kept, err3 := cmds[at+2].(*redis.StringCmd).Result()
		if err1 != nil || err2 != nil || (err3 != nil && !errors.Is(err3, redis.Nil)) {
			r.err = errors.Join(err1, err2, err3)
		} else {
			r.val = []interface{}{b2i(first), b2i(claimed && first), kept}
		}
		o.answer <- r
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// send queues a command for the next pipeline and, for an admit, waits for its answer.
func (c *Cluster) send(o op) ([]interface{}, error) {
	select {
	case c.ops <- o:
	case <-o.ctx.Done():
		return nil, o.ctx.Err()
	case <-c.closed:
		return nil, redis.ErrClosed
	}
	if o.answer == nil {
		return nil, nil
	}
	select {
	case r := <-o.answer:
		return r.val, r.err
	case <-o.ctx.Done():
		return nil, o.ctx.Err()
	}
}

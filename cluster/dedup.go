package cluster

import (
	"context"
	"encoding/json"
	"time"

	"wxpub/wechat"
)

// Dedup keeps replies for WeChat's retries in Redis (a wechat.Dedup), so that a retry
// landing on another replica gets the first reply. Every reply is also kept in-process:
// while Redis is unreachable, a replica goes on deduplicating the retries that reach it.
type Dedup struct {
	c     *Cluster
	ttl   time.Duration
	local *wechat.MemoryDedup
}

// pending marks a message claimed but not yet answered.
const pending = "?"

// Dedup returns the shared reply keeper; replies live ttl.
func (c *Cluster) Dedup(ttl time.Duration) *Dedup {
	return &Dedup{c: c, ttl: ttl, local: wechat.NewMemoryDedup(ttl)}
}

func (d *Dedup) key(k string) string { return d.c.prefix + "reply:" + k }

// Claim implements wechat.Dedup.
func (d *Dedup) Claim(ctx context.Context, key string) (bool, error) {
	if d.c.skip() {
		return d.local.Claim(ctx, key)
	}
	cctx, cancel := d.c.ctx(ctx)
	defer cancel()
	ok, err := d.c.rdb.SetNX(cctx, d.key(key), pending, d.ttl).Result()
	if d.c.result(err) != nil {
		return d.local.Claim(ctx, key)
	}
	if ok {
		// Claimed in the cluster; claim it here too, so the local copy stays consistent.
		d.local.Claim(ctx, key)
	}
	return ok, nil
}

// Complete implements wechat.Dedup.
func (d *Dedup) Complete(ctx context.Context, key string, k wechat.Kept) error {
	d.local.Complete(ctx, key, k)
	if d.c.skip() {
		return nil
	}
	data, err := json.Marshal(k)
	if err != nil {
		return err
	}
	// With the next pipeline; nobody waits for it (a retry comes seconds later).
	d.c.send(op{ctx: context.Background(), claimKey: d.key(key), claimTTL: d.ttl, value: data})
	return nil
}

// Wait implements wechat.Dedup: it polls Redis until the first delivery's reply is kept.
func (d *Dedup) Wait(ctx context.Context, key string) (wechat.Kept, error) {
	for {
		if d.c.skip() {
			return d.local.Wait(ctx, key)
		}
		cctx, cancel := d.c.ctx(ctx)
		v, err := d.c.rdb.Get(cctx, d.key(key)).Result()
		cancel()
		switch d.c.result(err); {
		case err == nil && v != pending:
			k, _, err := decodeKept(v)
			return k, err
		case err != nil:
			// Unreachable, or never claimed in Redis (it was down then): what this
			// replica kept is all there is.
			return d.local.Wait(ctx, key)
		}
		select {
		case <-time.After(10 * time.Millisecond):
		case <-ctx.Done():
			return wechat.Kept{}, wechat.ErrPending
		}
	}
}

// decodeKept reads the value under a message's claim: ok is false while the claim is
// pending (or for no value at all).
func decodeKept(v string) (k wechat.Kept, ok bool, err error) {
	if v == "" || v == pending {
		return k, false, nil
	}
	err = json.Unmarshal([]byte(v), &k)
	return k, err == nil, err
}

// Replays remembers accepted callback requests in Redis (a wechat.ReplayGuard), so that a
// request replayed to another replica is refused there too. While Redis is unreachable
// each replica remembers what reached it.
type Replays struct {
	c     *Cluster
	local *wechat.MemoryReplays
}

// Replays returns the shared replay guard (one per cluster: Dedup.Admit records into it).
func (c *Cluster) Replays() *Replays { return c.replays() }

// First implements wechat.ReplayGuard.
func (r *Replays) First(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	// Kept here as well, so that an outage starting now forgets nothing already seen.
	first, _ := r.local.First(ctx, key, ttl)
	if r.c.skip() {
		return first, nil
	}
	cctx, cancel := r.c.ctx(ctx)
	defer cancel()
	ok, err := r.c.rdb.SetNX(cctx, r.c.replayKey(key), "1", ttl).Result()
	if r.c.result(err) != nil {
		return first, nil
	}
	return ok && first, nil
}

// replayKey is the Redis key of a request's replay mark.
func (c *Cluster) replayKey(key string) string { return c.prefix + "replay:" + key }

// Guards implements wechat.Admitter: Admit records into this cluster's replay marks.
func (d *Dedup) Guards(r wechat.ReplayGuard) bool {
	rp, ok := r.(*Replays)
	return ok && rp.c == d.c
}

// Admit implements wechat.Admitter: one round trip for the replay mark and the claim.
func (d *Dedup) Admit(ctx context.Context, replayKey string, replayTTL time.Duration, dedupKey string) (first, claimed bool, kept *wechat.Kept, err error) {
	// In-process first, as the separate calls do: an outage starting now forgets nothing.
	localFirst, _ := d.c.replays().local.First(ctx, replayKey, replayTTL)
	localClaim := false
	if localFirst {
		localClaim, _ = d.local.Claim(ctx, dedupKey)
	}
	if d.c.skip() {
		return localFirst, localClaim, nil, nil
	}
	cctx, cancel := d.c.ctx(ctx)
	defer cancel()
	a := d.c.send(op{ctx: cctx, replayKey: d.c.replayKey(replayKey), replayTTL: replayTTL,
		claimKey: d.key(dedupKey), claimTTL: d.ttl, answer: make(chan admission, 1)})
	if d.c.result(a.err) != nil {
		return localFirst, localClaim, nil, nil
	}
	first, claimed = a.first && localFirst, a.claimed
	if k, ok, _ := decodeKept(a.kept); ok {
		kept = &k
	}
	return first, claimed, kept, nil
}

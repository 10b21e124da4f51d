package wechat

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"time"
)

// Kept is a reply kept for a message's retries: the reply and the CreateTime it was sent
// with, so a retry gets the same bytes.
type Kept struct {
	Reply      *Reply `json:"reply"`
	CreateTime int64  `json:"create_time"`
}

// Dedup keeps the first reply to each message so that WeChat's retries get it again
// without the work running twice. In-memory for one replica; Redis-backed for several.
type Dedup interface {
	// Claim marks key as being answered; false means it was claimed before (a retry).
	Claim(ctx context.Context, key string) (bool, error)
	// Complete keeps the reply for key.
	Complete(ctx context.Context, key string, k Kept) error
	// Wait returns the kept reply of a claimed key, waiting for it until ctx ends
	// (then ErrPending).
	Wait(ctx context.Context, key string) (Kept, error)
}

// ErrPending is returned by Dedup.Wait when the first delivery is still being answered.
var ErrPending = errors.New("the first delivery is still being answered")

// MemoryDedup is a Dedup for one process. A reply is kept between TTL and twice TTL: keys
// live in two generations of maps, the older dropped whole every TTL, which costs nothing
// per message however many arrive (WeChat retries within 15 seconds).
type MemoryDedup struct {
	TTL time.Duration

	mu        sync.Mutex
	cur, prev map[string]*dedupEntry
	rotated   time.Time
	now       func() time.Time
}

type dedupEntry struct {
	kept Kept
	done bool
	wait chan struct{} // made only when a retry waits
}

// NewMemoryDedup returns an empty in-process Dedup.
func NewMemoryDedup(ttl time.Duration) *MemoryDedup {
	if ttl <= 0 {
		ttl = 15 * time.Second
	}
	return &MemoryDedup{TTL: ttl, cur: map[string]*dedupEntry{}, prev: map[string]*dedupEntry{}, now: time.Now, rotated: time.Now()}
}

// lookup finds key, rotating the generations when due; d.mu is held.
func (d *MemoryDedup) lookup(key string) *dedupEntry {
	now := d.now()
	if elapsed := now.Sub(d.rotated); elapsed >= d.TTL {
		if elapsed >= 2*d.TTL {
			d.prev = map[string]*dedupEntry{}
		} else {
			d.prev = d.cur
		}
		d.cur, d.rotated = make(map[string]*dedupEntry, len(d.prev)), now
	}
	if e, ok := d.cur[key]; ok {
		return e
	}
	return d.prev[key]
}

// Claim implements Dedup.
func (d *MemoryDedup) Claim(_ context.Context, key string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.lookup(key) != nil {
		return false, nil
	}
	d.cur[key] = &dedupEntry{}
	return true, nil
}

// Complete implements Dedup.
func (d *MemoryDedup) Complete(_ context.Context, key string, k Kept) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.lookup(key)
	if e == nil {
		e = &dedupEntry{}
		d.cur[key] = e
	}
	if e.done {
		return nil // the first reply stays
	}
	e.kept, e.done = k, true
	if e.wait != nil {
		close(e.wait)
	}
	return nil
}

// Wait implements Dedup.
func (d *MemoryDedup) Wait(ctx context.Context, key string) (Kept, error) {
	d.mu.Lock()
	e := d.lookup(key)
	if e == nil {
		d.mu.Unlock()
		return Kept{}, ErrPending
	}
	if e.done {
		k := e.kept
		d.mu.Unlock()
		return k, nil
	}
	if e.wait == nil {
		e.wait = make(chan struct{})
	}
	wait := e.wait
	d.mu.Unlock()
	select {
	case <-wait:
		d.mu.Lock()
		defer d.mu.Unlock()
		return e.kept, nil
	case <-ctx.Done():
		return Kept{}, ErrPending
	}
}

// Len is how many messages are kept.
func (d *MemoryDedup) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.cur) + len(d.prev)
}

// MemoryReplays is a ReplayGuard for one process. Keys live in two generations of sets,
// the older dropped whole when the newer is a window old or holds maxReplayKeys, so memory
// stays bounded whatever arrives (past that bound under a flood, the oldest are forgotten
// early). A key is kept as 16 bytes of its hash: sets without pointers, which the
// collector does not scan, however many requests they hold.
type MemoryReplays struct {
	mu        sync.Mutex
	cur, prev map[[16]byte]struct{}
	rotated   time.Time
	now       func() time.Time
}

// maxReplayKeys bounds each generation of MemoryReplays (about 40 bytes a key).
const maxReplayKeys = 1 << 18

// NewMemoryReplays returns an empty in-process ReplayGuard.
func NewMemoryReplays() *MemoryReplays {
	return &MemoryReplays{cur: map[[16]byte]struct{}{}, prev: map[[16]byte]struct{}{}, now: time.Now, rotated: time.Now()}
}

// First implements ReplayGuard.
func (g *MemoryReplays) First(_ context.Context, key string, ttl time.Duration) (bool, error) {
	k := replayKey(key)
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if elapsed := now.Sub(g.rotated); elapsed >= ttl || len(g.cur) >= maxReplayKeys {
		if elapsed >= 2*ttl {
			g.prev = map[[16]byte]struct{}{}
		} else {
			g.prev = g.cur
		}
		g.cur, g.rotated = make(map[[16]byte]struct{}, len(g.prev)/2), now
	}
	if _, ok := g.cur[k]; ok {
		return false, nil
	}
	if _, ok := g.prev[k]; ok {
		return false, nil
	}
	g.cur[k] = struct{}{}
	return true, nil
}

// replayKey is 16 bytes of key: the handler's keys are already 16 bytes of a hash, in hex,
// and are decoded rather than hashed again; any other key is hashed.
func replayKey(key string) [16]byte {
	var k [16]byte
	if len(key) == 2*len(k) {
		if _, err := hex.Decode(k[:], []byte(key)); err == nil {
			return k
		}
	}
	sum := sha256.Sum256([]byte(key))
	copy(k[:], sum[:])
	return k
}

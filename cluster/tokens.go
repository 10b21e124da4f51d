package cluster

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// TokenCache is the access-token cache the replicas share (a wechat.TokenCache). Each
// keeps the last value it saw, which it uses while Redis is unreachable: no replica
// fetches a token of its own because Redis went away.
type TokenCache struct {
	c     *Cluster
	mu    sync.Mutex
	local map[string]localValue
}

type localValue struct {
	val     string
	expires time.Time
}

// TokenCache returns the shared token cache.
func (c *Cluster) TokenCache() *TokenCache {
	return &TokenCache{c: c, local: map[string]localValue{}}
}

// Get returns the token under key, or nil.
func (t *TokenCache) Get(key string) any {
	v, err := "", errSkipped
	if !t.c.skip() {
		ctx, cancel := t.c.ctx(nil)
		v, err = t.c.rdb.Get(ctx, t.c.prefix+key).Result()
		cancel()
		t.c.result(err)
	}
	switch {
	case err == nil:
		return v
	case errors.Is(err, redis.Nil):
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if l, ok := t.local[key]; ok && time.Now().Before(l.expires) {
		return l.val
	}
	return nil
}

// Set stores the token for timeout, in Redis and locally.
func (t *TokenCache) Set(key string, val any, timeout time.Duration) error {
	s, ok := val.(string)
	if !ok {
		return fmt.Errorf("token cache: %T is not a string", val)
	}
	t.mu.Lock()
	t.local[key] = localValue{val: s, expires: time.Now().Add(timeout)}
	t.mu.Unlock()
	if t.c.skip() {
		return nil
	}
	ctx, cancel := t.c.ctx(nil)
	defer cancel()
	// A failed write is not the caller's failure: the token is good, and kept locally.
	t.c.result(t.c.rdb.Set(ctx, t.c.prefix+key, s, timeout).Err())
	return nil
}

// IsExist reports whether key holds a token.
func (t *TokenCache) IsExist(key string) bool { return t.Get(key) != nil }

// Delete drops the token, in Redis and locally.
func (t *TokenCache) Delete(key string) error {
	t.mu.Lock()
	delete(t.local, key)
	t.mu.Unlock()
	if t.c.skip() {
		return nil
	}
	ctx, cancel := t.c.ctx(nil)
	defer cancel()
	t.c.result(t.c.rdb.Del(ctx, t.c.prefix+key).Err())
	return nil
}

// lockTTL bounds how long a refresher holds the lock if it dies holding it.
const lockTTL = 10 * time.Second

var unlockScript = redis.NewScript(`if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) end return 0`)

// Lock takes the cluster-wide lock name, waiting while another replica holds it (a
// wechat.TokenLock: while one replica fetches the token, the others wait for it instead of
// fetching their own). With Redis unreachable it returns an error at once, and the caller
// goes ahead alone.
func (c *Cluster) Lock(ctx context.Context, name string) (release func(), err error) {
	b := make([]byte, 12)
	rand.Read(b)
	me := hex.EncodeToString(b)
	key := c.prefix + "lock:" + name
	for {
		if c.skip() {
			return nil, fmt.Errorf("cluster lock %s: %w", name, errSkipped)
		}
		cctx, cancel := c.ctx(ctx)
		ok, err := c.rdb.SetNX(cctx, key, me, lockTTL).Result()
		cancel()
		if c.result(err) != nil {
			return nil, fmt.Errorf("cluster lock %s: %w", name, err)
		}
		if ok {
			return func() {
				rctx, cancel := c.ctx(nil)
				defer cancel()
				c.result(unlockScript.Run(rctx, c.rdb, []string{key}, me).Err())
			}, nil
		}
		select {
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

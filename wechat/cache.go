package wechat

import (
	"sync"
	"time"
)

// TokenCache is where access tokens live between calls. Its methods are those of the
// SDK's cache.Cache, so that one cache serves wxpub's client and the SDK objects of
// package wechat/sdk. Get must return a string. MemoryCache serves one process; several
// replicas share a Redis one (cluster.TokenCache).
type TokenCache interface {
	Get(key string) any
	Set(key string, val any, timeout time.Duration) error
	IsExist(key string) bool
	Delete(key string) error
}

// MemoryCache is a concurrency-safe in-memory TokenCache. (The SDK's cache.Memory reads its
// map without a lock and can crash the process under concurrent use.)
type MemoryCache struct {
	mu      sync.Mutex
	entries map[string]memoryEntry
	now     func() time.Time
}

type memoryEntry struct {
	val     any
	expires time.Time
}

// NewMemoryCache returns an empty cache.
func NewMemoryCache() *MemoryCache {
	return &MemoryCache{entries: map[string]memoryEntry{}, now: time.Now}
}

// Get returns the value under key, or nil when it is absent or expired.
func (m *MemoryCache) Get(key string) any {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok {
		return nil
	}
	if !e.expires.IsZero() && !m.now().Before(e.expires) {
		delete(m.entries, key)
		return nil
	}
	return e.val
}

// Set stores val under key for timeout (0 or less: no expiry).
func (m *MemoryCache) Set(key string, val any, timeout time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := memoryEntry{val: val}
	if timeout > 0 {
		e.expires = m.now().Add(timeout)
	}
	m.entries[key] = e
	return nil
}

// IsExist reports whether key holds a live value.
func (m *MemoryCache) IsExist(key string) bool { return m.Get(key) != nil }

// Delete removes key.
func (m *MemoryCache) Delete(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.entries, key)
	return nil
}

package reply

import (
	"crypto/sha256"
	"strings"
	"sync"
	"unicode/utf8"
)

// MaxQueryRunes is as much of a follower's text as is read: a keyword query is short, and
// capping it bounds the search's work and the answer cache's keys whatever is sent.
const MaxQueryRunes = 64

// Normalize is the query a text stands for: trimmed, lower-cased, runs of white space
// folded to one space, at most MaxQueryRunes runes. Two texts with the same Normalize get
// the same answer.
func Normalize(q string) string {
	q = strings.Join(strings.Fields(capRunes(strings.TrimSpace(q), 4*MaxQueryRunes)), " ")
	return capRunes(strings.ToLower(q), MaxQueryRunes)
}

// capRunes cuts s after n runes.
func capRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for k := 0; k < n && i < len(s); k++ {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i]
}

// CacheKey identifies the answer to m: its type, event and key, and its normalized text.
// It is a fixed size, whatever the message holds.
func CacheKey(m Message) [sha256.Size]byte {
	h := sha256.New()
	for _, p := range []string{m.Type, m.Event, m.EventKey, Normalize(m.Content), Normalize(m.Recognition)} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// Cache keeps answers to repeated questions against one generation of the index, within
// a budget of bytes. Entries live in two generations of maps, each given half the
// budget: when the newer is full it becomes the older and the older is dropped whole, so
// the cache never holds more than the budget and costs nothing per entry to bound.
type Cache struct {
	mu        sync.Mutex
	max       int // bytes per generation of entries
	cur, prev map[[sha256.Size]byte]cached
	curBytes  int
	prevBytes int
	index     uint64 // the index generation the entries answer from
}

type cached struct {
	reply Reply
	size  int
}

// entryOverhead is a map entry's own cost beyond its strings: key, slice headers, buckets.
const entryOverhead = 160

// NewCache returns a cache holding at most maxBytes of answers (0: it keeps nothing).
func NewCache(maxBytes int) *Cache {
	return &Cache{max: maxBytes / 2, cur: map[[sha256.Size]byte]cached{}, prev: map[[sha256.Size]byte]cached{}}
}

// Get returns the answer kept for key against index generation gen.
func (c *Cache) Get(key [sha256.Size]byte, gen uint64) (Reply, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.index {
		return Reply{}, false
	}
	if e, ok := c.cur[key]; ok {
		return e.reply, true
	}
	if e, ok := c.prev[key]; ok {
		return e.reply, true
	}
	return Reply{}, false
}

// Put keeps r as the answer to key against index generation gen.
func (c *Cache) Put(key [sha256.Size]byte, gen uint64, r Reply) {
	size := entryOverhead + r.size()
	c.mu.Lock()
	defer c.mu.Unlock()
	if size > c.max {
		return
	}
	if gen != c.index {
		// The index changed: every kept answer may be stale.
		clear(c.cur)
		clear(c.prev)
		c.curBytes, c.prevBytes, c.index = 0, 0, gen
	}
	if _, ok := c.cur[key]; ok {
		return
	}
	if c.curBytes+size > c.max {
		c.prev, c.prevBytes = c.cur, c.curBytes
		c.cur, c.curBytes = make(map[[sha256.Size]byte]cached, len(c.prev)), 0
	}
	c.cur[key] = cached{reply: r, size: size}
	c.curBytes += size
}

// Bytes is what the kept answers cost, by the cache's reckoning.
func (c *Cache) Bytes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.curBytes + c.prevBytes
}

// size is the bytes r holds.
func (r Reply) size() int {
	n := len(r.Type) + len(r.Content) + len(r.Searched)
	for _, id := range r.ItemIDs {
		n += len(id) + 16
	}
	for _, a := range r.Articles {
		n += len(a.Title) + len(a.Description) + len(a.URL) + len(a.PicURL) + len(a.ItemID) + 80
	}
	return n
}

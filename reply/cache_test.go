package reply

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	long := strings.Repeat("个人信息", 15000) // 60,000 runes
	cases := []struct{ in, want string }{
		{"  Contact   Tracing\n", "contact tracing"},
		{"个人信息", "个人信息"},
		{long, strings.Repeat("个人信息", MaxQueryRunes/4)},
		{strings.Repeat(" ", 100000) + "x", "x"},
	}
	for _, c := range cases {
		if got := Normalize(c.in); got != c.want {
			t.Errorf("Normalize(%.20q) = %.40q, want %.40q", c.in, got, c.want)
		}
	}
	if CacheKey(Message{Type: "text", Content: long}) != CacheKey(Message{Type: "text", Content: long[:len(long)/2]}) {
		t.Error("two texts that read the same first runes have different keys")
	}
	if CacheKey(Message{Type: "text", Content: "a"}) == CacheKey(Message{Type: "event", Content: "a"}) {
		t.Error("the message type is not in the key")
	}
}

// The cache stays within its budget however many different questions arrive.
func TestCacheBoundedInBytes(t *testing.T) {
	const budget = 64 << 10
	c := NewCache(budget)
	big := strings.Repeat("答", 600)
	for i := 0; i < 5000; i++ {
		m := Message{Type: "text", Content: strings.Repeat("q", i%50) + string(rune('一'+i))}
		c.Put(CacheKey(m), 1, Reply{Type: Text, Content: big})
		if c.Bytes() > budget {
			t.Fatalf("after %d answers the cache holds %d bytes, over %d", i+1, c.Bytes(), budget)
		}
	}
	// The newest answers are kept.
	m := Message{Type: "text", Content: "newest"}
	c.Put(CacheKey(m), 1, Reply{Type: Text, Content: "n"})
	if r, ok := c.Get(CacheKey(m), 1); !ok || r.Content != "n" {
		t.Errorf("the newest answer is gone: %+v %v", r, ok)
	}
	// Another index generation: nothing kept is given out.
	if _, ok := c.Get(CacheKey(m), 2); ok {
		t.Error("an answer from an older index was given out")
	}
	c.Put(CacheKey(Message{Type: "text", Content: "x"}), 2, Reply{Type: Text, Content: "x"})
	if _, ok := c.Get(CacheKey(m), 2); ok || c.Bytes() > entryOverhead+10 {
		t.Errorf("old answers survived a new index generation: %d bytes", c.Bytes())
	}
	// A zero budget keeps nothing.
	z := NewCache(0)
	z.Put(CacheKey(m), 1, Reply{Type: Text, Content: "n"})
	if _, ok := z.Get(CacheKey(m), 1); ok || z.Bytes() != 0 {
		t.Error("a zero budget kept an answer")
	}
}

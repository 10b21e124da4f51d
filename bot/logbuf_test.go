package bot

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

func TestFlushingWriter(t *testing.T) {
	var out lockedBuffer
	f := NewLogWriter(&out, 20*time.Millisecond)
	f.Write([]byte("one\n"))
	if out.String() != "" {
		t.Error("written at once: the line was not buffered")
	}
	deadline := time.Now().Add(time.Second)
	for out.String() != "one\n" {
		if time.Now().After(deadline) {
			t.Fatalf("not flushed within the interval: %q", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	f.Write([]byte("two\n"))
	if err := f.Close(); err != nil || out.String() != "one\ntwo\n" {
		t.Errorf("close lost a line: %q %v", out.String(), err)
	}
}

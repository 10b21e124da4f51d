package main

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// flushingWriter buffers log lines and writes them out every interval (and when full):
// the server logs a line per message, and a write system call per line cost a tenth of
// its throughput. Lines wait at most one interval; Close writes what is left.
type flushingWriter struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
}

func newFlushingWriter(out io.Writer, interval time.Duration) *flushingWriter {
	f := &flushingWriter{w: bufio.NewWriterSize(out, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(f.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				f.mu.Lock()
				f.w.Flush()
				f.mu.Unlock()
			case <-f.stop:
				return
			}
		}
	}()
	return f
}

func (f *flushingWriter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.w.Write(p)
}

// Close stops the flusher and writes out what is buffered.
func (f *flushingWriter) Close() error {
	close(f.stop)
	<-f.done
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.w.Flush()
}

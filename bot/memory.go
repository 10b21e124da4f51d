package bot

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Memory of the callback server. It allocates fast and keeps little (the index and kept
// replies): collecting at 4× the live heap instead of 2× serves a tenth more requests
// (BENCHMARKS.md), but lets a burst of large requests grow the heap to 5× what is live and
// keep it. A soft limit bounds that, and memory that stays unused after a burst is given
// back to the system.
const (
	gcPercent = 400
	// headroom is what the heap may hold beyond the live data before the soft limit
	// makes the collector work harder, and how much unused memory is tolerated before it
	// is returned.
	headroom = 24 << 20
	// minLimit is the smallest soft limit.
	minLimit = 100 << 20
)

// GovernMemory sets the process's collector for serving (GOGC and GOMEMLIMIT, when set,
// win) and, until ctx ends, returns unused memory to the system every couple of seconds
// once more than headroom of it is held. It is process-wide: the command that serves
// calls it once, however many accounts it serves.
func GovernMemory(ctx context.Context) {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(max(minLimit, int64(liveHeap())+headroom))
	}
	samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		metrics.Read(samples)
		live, total, released := samples[0].Value.Uint64(), samples[1].Value.Uint64(), samples[2].Value.Uint64()
		if total-released > live+headroom {
			debug.FreeOSMemory()
		}
	}
}

// liveHeap is the heap the last collection found live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

package bot

import (
	"context"
	"math"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"sync"
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
	samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}}
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	var lastCycles uint64
	var lastRelease time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			metrics.Read(samples)
			live, total, released, cycles := samples[0].Value.Uint64(), samples[1].Value.Uint64(), samples[2].Value.Uint64(), samples[3].Value.Uint64()
			if release(live, total-released, cycles != lastCycles, now.Sub(lastRelease)) {
				debug.FreeOSMemory()
				lastRelease = now
			}
			lastCycles = cycles
		}
	}
}

// busyRelease is how often memory is given back while the collector keeps running.
const busyRelease = 10 * time.Second

// release says whether to give unused memory back to the system: more than headroom of
// it is held, and either the collector has not run since the last look (a burst is over)
// or busyRelease has passed since the last time. Giving it back every two seconds under
// steady load forced a collection each time and a page fault for every page used again:
// 8 % of the server's time (perf, bench/serve.sh).
func release(live, held uint64, collected bool, sinceLast time.Duration) bool {
	return held > live+headroom && (!collected || sinceLast >= busyRelease)
}

// liveHeap is the heap the last collection found live.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// quietLimit is how far the heap may grow before the collector runs in a process busy
// with work that allocates fast and keeps little: a large build (relaxCollector) and a
// command that answers once and exits (CollectLittle).
//
// A build indexes a chunk of items at a time (refreshChunk). With the collector at its
// default, the first build at 100,000 items spent a tenth of its CPU collecting:
// BenchmarkArchiveBuild 46–48 s at a peak RSS of 0.45–0.52 GB, and at 256 MiB 39–41 s at
// 0.49–0.62 GB (stop 22). In `wxpub serve` on a slower machine (stop 23), alternated:
// 256 MiB 62–76 s at a peak RSS of 0.58–0.61 GB, 512 MiB 52–61 s at 0.81–0.85 GB.
const quietLimit = 512 << 20

// relaxed counts the builds running with the collector relaxed, and keeps what to put
// back when the last one ends.
var relaxed struct {
	sync.Mutex
	n       int
	percent int
	limit   int64
}

// relaxCollector turns the collector off below quietLimit for a large build, and returns
// what puts it back (collectOff says when it leaves the collector alone).
func relaxCollector() (restore func()) {
	relaxed.Lock()
	defer relaxed.Unlock()
	if relaxed.n == 0 {
		percent, limit, ok := collectOff(quietLimit)
		if !ok {
			return func() {}
		}
		relaxed.percent, relaxed.limit = percent, limit
	}
	relaxed.n++
	return func() {
		relaxed.Lock()
		defer relaxed.Unlock()
		if relaxed.n--; relaxed.n == 0 {
			debug.SetMemoryLimit(relaxed.limit)
			debug.SetGCPercent(relaxed.percent)
		}
	}
}

// CollectLittle turns the collector off below quietLimit for a command that answers once
// and exits: in 'wxpub ask' it was a seventh of the CPU, collecting what the exit frees
// anyway (five rounds of ten asks at 10,000 items: 66 ms a call with it, 61 without).
func CollectLittle() { collectOff(quietLimit) }

// collectOff turns the collector off below limit and returns the settings it replaced;
// ok is false when it changed nothing: where GOGC or GOMEMLIMIT is set, or where the
// process has set its own collector already (a memory limit: a server serving, which
// GovernMemory tunes, or a command that collects little; or the collector off).
func collectOff(limit int64) (percent int, was int64, ok bool) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		return 0, 0, false
	}
	if percent = debug.SetGCPercent(-1); percent < 0 {
		return 0, 0, false // it was off already
	}
	return percent, debug.SetMemoryLimit(limit), true
}

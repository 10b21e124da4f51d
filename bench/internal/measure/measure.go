// Package measure holds what the load tools under bench/ share: the loopback-only rule
// for their targets, and latency percentiles.
package measure

import (
	"net"
	"net/url"
	"slices"
	"time"
)

// Loopback reports whether every URL names a loopback host: the tools send traffic to this
// machine only.
func Loopback(urls ...string) bool {
	for _, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil {
			return false
		}
		host := u.Hostname()
		if host == "localhost" {
			continue
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return false
		}
	}
	return true
}

// Percentile is the p-th quantile (0.99 for p99) of the latencies, 0 when there are none.
// It sorts a copy.
func Percentile(all []time.Duration, p float64) time.Duration {
	if len(all) == 0 {
		return 0
	}
	s := slices.Clone(all)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// MS is d in milliseconds, for reports.
func MS(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

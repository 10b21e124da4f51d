package bot

import (
	"testing"
	"time"
)

func TestRelease(t *testing.T) {
	const mb = 1 << 20
	for _, c := range []struct {
		name       string
		live, held uint64
		collected  bool
		sinceLast  time.Duration
		want       bool
	}{
		{"quiet after a burst", 40 * mb, 200 * mb, false, 2 * time.Second, true},
		{"under load, released lately", 40 * mb, 200 * mb, true, 2 * time.Second, false},
		{"under load, not released for a while", 40 * mb, 200 * mb, true, busyRelease, true},
		{"quiet, within headroom", 40 * mb, 40*mb + headroom, false, time.Hour, false},
		{"quiet, just past headroom", 40 * mb, 40*mb + headroom + 1, false, 0, true},
	} {
		if got := release(c.live, c.held, c.collected, c.sinceLast); got != c.want {
			t.Errorf("%s: release = %v, want %v", c.name, got, c.want)
		}
	}
}

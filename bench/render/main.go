// Command render times wxpub's parse and render in one process, after a warm-up, for the
// side-by-side benchmark (bench/run): it prints {"median_ms","min_ms","chars"} as JSON.
// With -synth it writes the sample ten times over (its news body repeated), instead.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"wxpub/issue"
	"wxpub/render"
)

func main() {
	n := flag.Int("n", 200, "timed renders")
	warm := flag.Int("warmup", 50, "untimed renders first")
	synth := flag.String("synth", "", "write the sample ×10 to this file and exit")
	flag.Parse()
	if *synth != "" {
		if err := synthesize(flag.Arg(0), *synth); err != nil {
			fail(err)
		}
		return
	}
	src, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fail(err)
	}
	th, err := render.LoadTheme("")
	if err != nil {
		fail(err)
	}
	var chars int
	once := func() {
		is, err := issue.Parse("bench.md", src)
		if err != nil {
			fail(err)
		}
		a, err := render.Render(is, render.Options{Theme: th})
		if err != nil {
			fail(err)
		}
		chars = utf8.RuneCountInString(a.Content)
	}
	for i := 0; i < *warm; i++ {
		once()
	}
	times := make([]float64, *n)
	for i := range times {
		t0 := time.Now()
		once()
		times[i] = float64(time.Since(t0).Nanoseconds()) / 1e6
	}
	slices.Sort(times)
	json.NewEncoder(os.Stdout).Encode(map[string]any{"median_ms": times[len(times)/2], "min_ms": times[0], "chars": chars})
}

// synthesize repeats the sample's news (from its first real section to the disclaimer)
// ten times.
func synthesize(samplePath, out string) error {
	b, err := os.ReadFile(samplePath)
	if err != nil {
		return err
	}
	s := string(b)
	first := strings.Index(s, "## 国内要闻 Domestic News")
	start := first + strings.Index(s[first+1:], "## 国内要闻 Domestic News") + 1
	end := strings.Index(s, "立方律师事务所编写")
	if first < 0 || start <= first || end < start {
		return fmt.Errorf("%s: not the sample's shape", samplePath)
	}
	return os.WriteFile(out, []byte(s[:start]+strings.Repeat(s[start:end], 10)+s[end:]), 0o644)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "render:", err)
	os.Exit(1)
}

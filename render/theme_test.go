package render

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuiltinThemesReadInBothModes(t *testing.T) {
	names := Themes()
	if len(names) < 2 {
		t.Fatalf("themes = %v, want at least two", names)
	}
	for _, n := range names {
		th := theme(t, n)
		if p := th.Readability(); len(p) > 0 {
			t.Errorf("theme %s: %s", n, strings.Join(p, "; "))
		}
	}
}

func TestReadabilityCatchesPoorColours(t *testing.T) {
	th := theme(t, "classic")
	th.Colors.Text = "#dddddd"  // pale grey: unreadable on white
	th.Colors.Muted = "#777777" // mid grey: readable nowhere at 4.5
	p := strings.Join(th.Readability(), "\n")
	if !strings.Contains(p, "colors.text #dddddd: contrast") || !strings.Contains(p, "light page") {
		t.Errorf("pale text not reported: %s", p)
	}
	if !strings.Contains(p, "colors.muted") {
		t.Errorf("mid grey not reported: %s", p)
	}
}

func TestDarkColor(t *testing.T) {
	cases := map[string]string{
		"#333333": "#ccc", // dark grey text: lightness 0.2 mirrored to 0.8
		"#ffffff": "#fff", // already reads on the dark page: kept
	}
	for in, want := range cases {
		if got := DarkColor(in); got != want {
			t.Errorf("DarkColor(%s) = %s, want %s", in, got, want)
		}
	}
	// Navy keeps its hue and becomes light enough to read on the dark page.
	navy, _ := parseColor("#1f4e79")
	got, _ := parseColor(DarkColor("#1f4e79"))
	bg, _ := parseColor(DarkBackground)
	h1, _, _ := navy.hsl()
	h2, _, l2 := got.hsl()
	if d := h1 - h2; d > 0.01 || d < -0.01 || l2 < 0.6 || contrast(got, bg) < 4.5 {
		t.Errorf("DarkColor(#1f4e79) = %s: hue %.3f→%.3f, lightness %.2f, contrast %.1f", got.hex(), h1, h2, l2, contrast(got, bg))
	}
}

func TestThemeFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	th, err := LoadTheme(write("mine.yaml", "colors:\n  accent: \"#8b0000\"\nfont_size: 17\n"))
	if err != nil {
		t.Fatal(err)
	}
	if th.Name != "mine" || th.Colors.Accent != "#8b0000" || th.FontSize != 17 || th.Colors.Text != "#333" || th.Spacing != 14 {
		t.Errorf("theme file not merged over the default: %+v", th)
	}
	a, err := Render(parse(t, fixtures[0]), Options{Theme: th})
	if err != nil || !strings.Contains(a.Content, "#8b0000") || !strings.Contains(a.Content, "font-size:17px") {
		t.Errorf("theme file not used in render: %v", err)
	}
	bad := []struct{ body, want string }{
		{"colors:\n  accent: navy\n", "colors.accent"},
		{"font_size: 4\n", "font_size"},
		{"colour: {}\n", `unknown key "colour"`},
		{"colors:\n  backgound: \"#fff\"\n", `unknown key "colors.backgound"`},
	}
	for i, b := range bad {
		p := write("bad"+string(rune('0'+i))+".yaml", b.body)
		if _, err := LoadTheme(p); err == nil || !strings.Contains(err.Error(), b.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("theme %q: err = %v, want it to name %s and %q", b.body, err, p, b.want)
		}
	}
	if _, err := LoadTheme("nosuch"); err == nil || !strings.Contains(err.Error(), "classic") {
		t.Errorf("unknown theme: err = %v", err)
	}
	if _, err := LoadTheme(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing theme file: err = %v", err)
	}
}

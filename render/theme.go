package render

import (
	"embed"
	"fmt"
	"math"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Theme is how an article looks: colours, font sizes and spacing, all written as inline
// styles because the WeChat editor keeps nothing else.
type Theme struct {
	Name string `yaml:"name"`
	// Colors are "#rrggbb" or "#rgb".
	Colors struct {
		Text    string `yaml:"text"`    // Chinese body text
		English string `yaml:"english"` // English body text, set apart from the Chinese
		Muted   string `yaml:"muted"`   // dates, captions, disclaimer, footer
		Accent  string `yaml:"accent"`  // titles, section bars, reference marks
		Rule    string `yaml:"rule"`    // lines and borders
	} `yaml:"colors"`
	FontSize   int     `yaml:"font_size"`   // body text, px
	TitleSize  int     `yaml:"title_size"`  // masthead title, px
	ItemSize   int     `yaml:"item_size"`   // item titles, px
	SmallSize  int     `yaml:"small_size"`  // disclaimer, footer, references, px
	LineHeight float64 `yaml:"line_height"` // multiple of the font size
	Spacing    int     `yaml:"spacing"`     // space between paragraphs, px
}

//go:embed themes/*.yaml
var builtinFS embed.FS

// Themes returns the names of the built-in themes.
func Themes() []string {
	entries, _ := builtinFS.ReadDir("themes")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}

// DefaultTheme is the theme used when none is named.
const DefaultTheme = "classic"

// LoadTheme returns a built-in theme by name, or reads a theme file when ref names a path
// (it ends in .yaml or .yml). A file's missing keys keep the default theme's values, so a
// user may write only the colours they want to change.
func LoadTheme(ref string) (*Theme, error) {
	if ref == "" {
		ref = DefaultTheme
	}
	base, err := builtin(DefaultTheme)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(ref, ".yaml") && !strings.HasSuffix(ref, ".yml") {
		t, err := builtin(ref)
		if err != nil {
			return nil, fmt.Errorf("theme %q: no such built-in theme (have %s) and not a .yaml file", ref, strings.Join(Themes(), ", "))
		}
		return t, nil
	}
	data, err := os.ReadFile(ref)
	if err != nil {
		return nil, fmt.Errorf("theme file: %w", err)
	}
	if err := decodeTheme(data, base); err != nil {
		return nil, fmt.Errorf("theme file %s: %w", ref, err)
	}
	if base.Name == DefaultTheme {
		base.Name = strings.TrimSuffix(path.Base(ref), path.Ext(ref))
	}
	if err := base.validate(); err != nil {
		return nil, fmt.Errorf("theme file %s: %w", ref, err)
	}
	return base, nil
}

func builtin(name string) (*Theme, error) {
	data, err := builtinFS.ReadFile("themes/" + name + ".yaml")
	if err != nil {
		return nil, err
	}
	t := &Theme{}
	if err := decodeTheme(data, t); err != nil {
		return nil, fmt.Errorf("built-in theme %s: %w", name, err)
	}
	return t, t.validate()
}

func decodeTheme(data []byte, t *Theme) error {
	var node yaml.Node
	if err := yaml.Unmarshal(data, &node); err != nil {
		return err
	}
	if len(node.Content) == 0 {
		return nil
	}
	dec := node.Content[0]
	// KnownFields needs a decoder; a node decodes leniently, so check keys by hand.
	if err := checkKeys(dec, "", map[string]bool{"name": true, "colors": true, "font_size": true, "title_size": true,
		"item_size": true, "small_size": true, "line_height": true, "spacing": true,
		"colors.text": true, "colors.english": true, "colors.muted": true, "colors.accent": true, "colors.rule": true}); err != nil {
		return err
	}
	return dec.Decode(t)
}

func checkKeys(n *yaml.Node, prefix string, known map[string]bool) error {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := prefix + n.Content[i].Value
		if !known[k] {
			return fmt.Errorf("line %d: unknown key %q", n.Content[i].Line, k)
		}
		if err := checkKeys(n.Content[i+1], k+".", known); err != nil {
			return err
		}
	}
	return nil
}

func (t *Theme) validate() error {
	for _, c := range t.colorList() {
		if _, err := parseColor(c.value); err != nil {
			return fmt.Errorf("colors.%s: %w", c.name, err)
		}
	}
	// The shortest spelling of each colour: every byte counts against WeChat's limit.
	for _, c := range []*string{&t.Colors.Text, &t.Colors.English, &t.Colors.Muted, &t.Colors.Accent, &t.Colors.Rule} {
		*c = shortHex(*c)
	}
	sizes := []struct {
		name string
		v    int
	}{{"font_size", t.FontSize}, {"title_size", t.TitleSize}, {"item_size", t.ItemSize}, {"small_size", t.SmallSize}}
	for _, s := range sizes {
		if s.v < 10 || s.v > 40 {
			return fmt.Errorf("%s: %d px is outside 10–40", s.name, s.v)
		}
	}
	if t.LineHeight < 1 || t.LineHeight > 3 {
		return fmt.Errorf("line_height: %g is outside 1–3", t.LineHeight)
	}
	if t.Spacing < 0 || t.Spacing > 64 {
		return fmt.Errorf("spacing: %d px is outside 0–64", t.Spacing)
	}
	return nil
}

type namedColor struct{ name, value string }

func (t *Theme) colorList() []namedColor {
	return []namedColor{{"text", t.Colors.Text}, {"english", t.Colors.English}, {"muted", t.Colors.Muted},
		{"accent", t.Colors.Accent}, {"rule", t.Colors.Rule}}
}

// Light and dark page backgrounds of the WeChat reader.
const (
	LightBackground = "#ffffff"
	DarkBackground  = "#191919"
)

// Contrast problems are reported against these WCAG thresholds: body text 4.5, the rest
// (bold titles, marks, rules drawn for structure) 3, rules 1.5 since they only separate.
var minContrast = map[string]float64{"text": 4.5, "english": 4.5, "muted": 4.5, "accent": 3, "rule": 1.3}

// Readability lists each colour that does not read on the WeChat reader's light page or,
// after WeChat's dark-mode recolouring (see DarkColor), on its dark page. Empty means the
// theme reads in both.
func (t *Theme) Readability() []string {
	var problems []string
	for _, c := range t.colorList() {
		light, _ := parseColor(c.value)
		dark := darkRGB(light)
		bgL, _ := parseColor(LightBackground)
		bgD, _ := parseColor(DarkBackground)
		if r := contrast(light, bgL); r < minContrast[c.name] {
			problems = append(problems, fmt.Sprintf("colors.%s %s: contrast %.1f on the light page, want %.1f", c.name, c.value, r, minContrast[c.name]))
		}
		if r := contrast(dark, bgD); r < minContrast[c.name] {
			problems = append(problems, fmt.Sprintf("colors.%s %s: contrast %.1f in dark mode (shown as %s), want %.1f", c.name, c.value, r, dark.hex(), minContrast[c.name]))
		}
	}
	return problems
}

// Dark returns the theme as WeChat's dark mode shows it: every colour recoloured by
// DarkColor. The preview uses it to show both modes.
func (t *Theme) Dark() *Theme {
	d := *t
	d.Name = t.Name + "-dark"
	d.Colors.Text = DarkColor(t.Colors.Text)
	d.Colors.English = DarkColor(t.Colors.English)
	d.Colors.Muted = DarkColor(t.Colors.Muted)
	d.Colors.Accent = DarkColor(t.Colors.Accent)
	d.Colors.Rule = DarkColor(t.Colors.Rule)
	return &d
}

// DarkColor models how WeChat's dark mode recolours a text colour: one that already reads
// on the dark page is kept, any other has its lightness mirrored (dark grey becomes light
// grey, navy becomes sky blue), keeping hue and saturation.
func DarkColor(c string) string {
	rgb, err := parseColor(c)
	if err != nil {
		return c
	}
	return darkRGB(rgb).hex()
}

func darkRGB(c rgb) rgb {
	bg, _ := parseColor(DarkBackground)
	if contrast(c, bg) >= 4.5 {
		return c
	}
	h, s, l := c.hsl()
	return fromHSL(h, s, 1-l)
}

type rgb struct{ r, g, b float64 }

func parseColor(s string) (rgb, error) {
	h := strings.TrimPrefix(strings.TrimSpace(s), "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) != 6 || !strings.HasPrefix(strings.TrimSpace(s), "#") {
		return rgb{}, fmt.Errorf("%q is not a colour like #1f4e79", s)
	}
	v, err := strconv.ParseUint(h, 16, 32)
	if err != nil {
		return rgb{}, fmt.Errorf("%q is not a colour like #1f4e79", s)
	}
	return rgb{float64(v>>16&0xff) / 255, float64(v>>8&0xff) / 255, float64(v&0xff) / 255}, nil
}

// shortHex writes #aabbcc as #abc when it can; a valid colour is assumed.
func shortHex(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) == 7 && s[1] == s[2] && s[3] == s[4] && s[5] == s[6] {
		return "#" + string([]byte{s[1], s[3], s[5]})
	}
	return s
}

func (c rgb) hex() string {
	to := func(f float64) int { return int(math.Round(math.Max(0, math.Min(1, f)) * 255)) }
	return shortHex(fmt.Sprintf("#%02x%02x%02x", to(c.r), to(c.g), to(c.b)))
}

func (c rgb) luminance() float64 {
	lin := func(v float64) float64 {
		if v <= 0.03928 {
			return v / 12.92
		}
		return math.Pow((v+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.r) + 0.7152*lin(c.g) + 0.0722*lin(c.b)
}

func contrast(a, b rgb) float64 {
	la, lb := a.luminance(), b.luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func (c rgb) hsl() (h, s, l float64) {
	mx := math.Max(c.r, math.Max(c.g, c.b))
	mn := math.Min(c.r, math.Min(c.g, c.b))
	l = (mx + mn) / 2
	if mx == mn {
		return 0, 0, l
	}
	d := mx - mn
	if l > 0.5 {
		s = d / (2 - mx - mn)
	} else {
		s = d / (mx + mn)
	}
	switch mx {
	case c.r:
		h = (c.g - c.b) / d
		if c.g < c.b {
			h += 6
		}
	case c.g:
		h = (c.b-c.r)/d + 2
	default:
		h = (c.r-c.g)/d + 4
	}
	return h / 6, s, l
}

func fromHSL(h, s, l float64) rgb {
	if s == 0 {
		return rgb{l, l, l}
	}
	var q float64
	if l < 0.5 {
		q = l * (1 + s)
	} else {
		q = l + s - l*s
	}
	p := 2*l - q
	f := func(t float64) float64 {
		if t < 0 {
			t++
		}
		if t > 1 {
			t--
		}
		switch {
		case t < 1.0/6:
			return p + (q-p)*6*t
		case t < 0.5:
			return q
		case t < 2.0/3:
			return p + (q-p)*(2.0/3-t)*6
		}
		return p
	}
	return rgb{f(h + 1.0/3), f(h), f(h - 1.0/3)}
}

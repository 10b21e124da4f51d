package publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	_ "golang.org/x/image/bmp" // decoders for images WeChat will not take as they are
	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
	_ "golang.org/x/image/webp"

	"wxpub/issue"
	"wxpub/render"
	"wxpub/wechat"
)

var _ = gif.Decode // GIF is registered by importing image/gif

// source is an image as the issue names it, read into memory.
type source struct {
	src  string // as written in the issue
	line int
	data []byte
	hash string // SHA-256 of data: the key of its upload
}

// maxFetch bounds an image read from a file or URL.
const maxFetch = 32 << 20

// newSource is an image as written, with its bytes.
func newSource(src string, line int, data []byte) *source {
	sum := sha256.Sum256(data)
	return &source{src: src, line: line, data: data, hash: hex.EncodeToString(sum[:])}
}

// load reads an image from a path relative to the issue's file, or fetches it over HTTP.
func (p *Publisher) loadImage(ctx context.Context, is *issue.Issue, src string, line int) (*source, error) {
	where := is.Path
	if line > 0 {
		where = fmt.Sprintf("%s:%d", is.Path, line)
	}
	var data []byte
	var err error
	if strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://") {
		data, err = p.fetch(ctx, src)
	} else {
		path := src
		if !filepath.IsAbs(path) {
			path = filepath.Join(filepath.Dir(is.Path), path)
		}
		data, err = readLimited(path)
	}
	if err != nil {
		return nil, fmt.Errorf("image %s (%s): %w", src, where, err)
	}
	return newSource(src, line, data), nil
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFetch+1))
	if err == nil && len(data) > maxFetch {
		err = fmt.Errorf("larger than %d MB", maxFetch>>20)
	}
	return data, err
}

func (p *Publisher) fetch(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxFetch+1))
	if err == nil && len(data) > maxFetch {
		err = fmt.Errorf("larger than %d MB", maxFetch>>20)
	}
	return data, err
}

// forContent returns the image as media/uploadimg takes it: JPEG or PNG under 1 MB. Others
// (WebP, GIF, BMP, or too large) are re-encoded; GIF keeps its first frame.
func forContent(data []byte) ([]byte, string, error) {
	if kind := http.DetectContentType(data); wechat.ContentImageOK(kind, len(data)) {
		return data, ext(kind), nil
	}
	return transcode(data, wechat.MaxUploadImage-1)
}

// forCover returns the image as add_material takes it: BMP, PNG, JPEG or GIF up to 10 MB;
// WebP and larger images are re-encoded.
func forCover(data []byte) ([]byte, string, error) {
	if kind := http.DetectContentType(data); wechat.CoverImageOK(kind, len(data)) {
		return data, ext(kind), nil
	}
	return transcode(data, wechat.MaxCoverImage)
}

func ext(kind string) string {
	switch kind {
	case "image/jpeg":
		return "jpg"
	case "image/png":
		return "png"
	case "image/gif":
		return "gif"
	case "image/bmp":
		return "bmp"
	}
	return "img"
}

// transcode decodes any supported image and encodes it under max bytes: PNG when it has
// transparency and fits, else JPEG at falling quality, then smaller, until it fits.
func transcode(data []byte, max int) ([]byte, string, error) {
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, "", fmt.Errorf("not an image wxpub can read (JPEG, PNG, GIF, BMP, WebP): %w", err)
	}
	if !opaque(img) {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err == nil && b.Len() <= max {
			return b.Bytes(), "png", nil
		}
	}
	flat := image.NewRGBA(img.Bounds())
	draw.Draw(flat, flat.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(flat, flat.Bounds(), img, img.Bounds().Min, draw.Over)
	var cur image.Image = flat
	for scale := 0; scale < 12; scale++ {
		for _, q := range []int{85, 70, 55} {
			var b bytes.Buffer
			if err := jpeg.Encode(&b, cur, &jpeg.Options{Quality: q}); err != nil {
				return nil, "", err
			}
			if b.Len() <= max {
				return b.Bytes(), "jpg", nil
			}
		}
		bnd := cur.Bounds()
		w, h := bnd.Dx()*3/4, bnd.Dy()*3/4
		if w < 16 || h < 16 {
			break
		}
		small := image.NewRGBA(image.Rect(0, 0, w, h))
		xdraw.CatmullRom.Scale(small, small.Bounds(), cur, bnd, xdraw.Src, nil)
		cur = small
	}
	return nil, "", fmt.Errorf("%s image cannot be brought under %d KB", format, max>>10)
}

func opaque(img image.Image) bool {
	if o, ok := img.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	return false
}

// Cover size: WeChat shows covers at 2.35:1; 900 × 383 is the size it recommends.
const (
	CoverWidth  = 900
	CoverHeight = 383
)

// crops returns pic_crop_235_1 and pic_crop_1_1 for an image: the largest centred 2.35:1
// and square regions, as fractions with at most six decimals.
func crops(data []byte) (wide, square string, err error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", "", fmt.Errorf("read cover size: %w", err)
	}
	w, h := float64(cfg.Width), float64(cfg.Height)
	if w == 0 || h == 0 {
		return "", "", fmt.Errorf("cover is empty")
	}
	rect := func(cw, ch float64) string {
		x := (w - cw) / 2 / w
		y := (h - ch) / 2 / h
		return strings.Join([]string{frac(x), frac(y), frac(1 - x), frac(1 - y)}, "_")
	}
	if w/h > 2.35 {
		wide = rect(h*2.35, h)
	} else {
		wide = rect(w, w/2.35)
	}
	side := min(w, h)
	return wide, rect(side, side), nil
}

func frac(f float64) string {
	f = max(0, min(1, f))
	s := strconv.FormatFloat(f, 'f', 6, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "" {
		return "0"
	}
	return s
}

// generateCover draws a 900 × 383 cover for an issue that names none: the theme's accent
// colour, the issue's title and its number and date. The title is the English one: Go's
// bundled fonts have no Chinese glyphs, and a cover must not show boxes.
func generateCover(is *issue.Issue, t *render.Theme) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, CoverWidth, CoverHeight))
	bg := parseHex(t.Colors.Accent)
	draw.Draw(img, img.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	// A lighter band at the bottom, for the number and date.
	band := color.RGBA{uint8(min(255, int(bg.R)+40)), uint8(min(255, int(bg.G)+40)), uint8(min(255, int(bg.B)+40)), 255}
	draw.Draw(img, image.Rect(0, CoverHeight-70, CoverWidth, CoverHeight), image.NewUniform(band), image.Point{}, draw.Src)

	bold, err := face(gobold.TTF, 44)
	if err != nil {
		return nil, err
	}
	regular, err := face(goregular.TTF, 26)
	if err != nil {
		return nil, err
	}
	title := is.Title.En
	if title == "" {
		title = "Newsletter"
	}
	lines := wrap(bold, title, CoverWidth-120)
	if len(lines) > 3 {
		lines = append(lines[:2], lines[2]+" …")
	}
	y := 60 + (CoverHeight-70-60-len(lines)*56)/2 + 44
	for _, l := range lines {
		write(img, bold, l, 60, y, color.White)
		y += 56
	}
	meta := ""
	if is.Number > 0 {
		meta = "No. " + strconv.Itoa(is.Number)
	}
	if is.Date != "" {
		meta = strings.TrimPrefix(meta+"  ·  "+is.Date, "  ·  ")
	}
	write(img, regular, meta, 60, CoverHeight-26, color.White)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func face(ttf []byte, size float64) (font.Face, error) {
	f, err := opentype.Parse(ttf)
	if err != nil {
		return nil, err
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
}

// wrap breaks text into lines no wider than width pixels, at spaces.
func wrap(f font.Face, text string, width int) []string {
	var lines []string
	cur := ""
	for _, w := range strings.Fields(text) {
		try := strings.TrimSpace(cur + " " + w)
		if cur != "" && font.MeasureString(f, try).Ceil() > width {
			lines = append(lines, cur)
			cur = w
			continue
		}
		cur = try
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

func write(img draw.Image, f font.Face, s string, x, y int, c color.Color) {
	d := &font.Drawer{Dst: img, Src: image.NewUniform(c), Face: f, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func parseHex(s string) color.RGBA {
	s = strings.TrimPrefix(s, "#")
	if len(s) == 3 {
		s = string([]byte{s[0], s[0], s[1], s[1], s[2], s[2]})
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return color.RGBA{31, 78, 121, 255}
	}
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 255}
}

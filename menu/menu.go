// Package menu keeps the account's custom menu as code: a menu.yaml file checked against
// WeChat's limits before any call (with FILE:LINE errors), applied and read back through
// the SDK's menu API (github.com/silenceper/wechat/v2, whose typed menu calls are sound),
// and compared with the live menu so that staff see the change before making it. Once the
// message callback is on, the MP backend's own menu stops working: this is how the menu
// is set.
package menu

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sort"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	sdkmenu "github.com/silenceper/wechat/v2/officialaccount/menu"
	"go.yaml.in/yaml/v3"

	"wxpub/internal/fileline"
)

// Button is one button of the menu, as menu.yaml writes it. A button with Sub opens a
// list; otherwise Type says what it does (inferred: key → click, url → view).
type Button struct {
	Name     string   `yaml:"name"`
	Type     string   `yaml:"type,omitempty"`
	Key      string   `yaml:"key,omitempty"`
	URL      string   `yaml:"url,omitempty"`
	AppID    string   `yaml:"appid,omitempty"`
	PagePath string   `yaml:"pagepath,omitempty"`
	MediaID  string   `yaml:"media_id,omitempty"`
	Sub      []Button `yaml:"sub,omitempty"`

	line int
}

// Menu is the whole custom menu.
type Menu struct {
	Buttons []Button `yaml:"buttons"`
}

// Limits documented for menu/create.
const (
	MaxButtons     = 3
	MaxSubButtons  = 5
	MaxNameBytes   = 16 // a top button's name
	MaxSubName     = 60 // a sub-button's name
	MaxKeyBytes    = 128
	MaxURLBytes    = 1024
	miniprogram    = "miniprogram"
	defaultMenuDoc = "buttons"
)

var types = map[string]bool{"click": true, "view": true, miniprogram: true, "scancode_push": true, "scancode_waitmsg": true,
	"pic_sysphoto": true, "pic_photo_or_album": true, "pic_weixin": true, "location_select": true, "media_id": true,
	"article_id": true, "article_view_limited": true}

// Error is a problem with the menu file, at a line of it.
type Error = fileline.Error

// Errors are every problem found in one file.
type Errors []*Error

func (es Errors) Error() string {
	var parts []string
	for _, e := range es {
		parts = append(parts, e.Error())
	}
	return strings.Join(parts, "\n")
}

// Load reads and checks a menu file. queries are reply.menu's keys: a click button whose
// key is not among them would only answer with help. Every problem is reported at once.
func Load(path string, queries map[string]string) (Menu, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Menu{}, fmt.Errorf("read menu: %w", err)
	}
	return Parse(path, data, queries)
}

// Parse checks a menu file's content; name is for messages.
func Parse(name string, data []byte, queries map[string]string) (Menu, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Menu{}, &Error{File: name, Msg: err.Error()}
	}
	if len(doc.Content) == 0 {
		return Menu{}, &Error{File: name, Msg: "empty file: want buttons: […]"}
	}
	var errs Errors
	bad := func(line int, format string, args ...any) {
		errs = append(errs, &Error{File: name, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	root := doc.Content[0]
	var m Menu
	if root.Kind != yaml.MappingNode {
		bad(root.Line, "want a mapping with buttons: […]")
		return m, errs
	}
	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		if k.Value == defaultMenuDoc {
			list = root.Content[i+1]
		} else {
			bad(k.Line, "unknown key %q (the file holds buttons: […])", k.Value)
		}
	}
	if list == nil || list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		bad(root.Line, "no buttons: a menu has 1 to %d", MaxButtons)
		return m, errs
	}
	if len(list.Content) > MaxButtons {
		bad(list.Content[MaxButtons].Line, "%d buttons: WeChat allows %d at the top", len(list.Content), MaxButtons)
	}
	for _, n := range list.Content {
		b := button(n, false, bad)
		if b.Sub == nil && b.Type == "" {
			continue
		}
		if len(b.Sub) > MaxSubButtons {
			bad(b.Sub[MaxSubButtons].line, "%d sub-buttons under %q: WeChat allows %d", len(b.Sub), b.Name, MaxSubButtons)
		}
		m.Buttons = append(m.Buttons, b)
	}
	for _, b := range m.All() {
		if b.Type == "click" && queries != nil {
			if _, ok := queries[b.Key]; !ok {
				bad(b.line, "click key %q is not in reply.menu: a follower tapping %q would only get the help text; add %s: QUERY under reply.menu",
					b.Key, b.Name, b.Key)
			}
		}
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return m, errs
	}
	return m, nil
}

// button reads and checks one button (and its sub-buttons).
func button(n *yaml.Node, sub bool, bad func(int, string, ...any)) Button {
	b := Button{line: n.Line}
	if n.Kind != yaml.MappingNode {
		bad(n.Line, "a button is a mapping: name, and key, url or sub")
		return b
	}
	var subs *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "sub" {
			subs = v
			continue
		}
		dst := map[string]*string{"name": &b.Name, "type": &b.Type, "key": &b.Key, "url": &b.URL, "appid": &b.AppID,
			"pagepath": &b.PagePath, "media_id": &b.MediaID}[k.Value]
		if dst == nil {
			bad(k.Line, "unknown key %q (a button takes name, type, key, url, appid, pagepath, media_id, sub)", k.Value)
			continue
		}
		if v.Kind != yaml.ScalarNode {
			bad(v.Line, "%s must be text", k.Value)
			continue
		}
		*dst = v.Value
	}
	nameLimit := MaxNameBytes
	if sub {
		nameLimit = MaxSubName
	}
	switch {
	case b.Name == "":
		bad(n.Line, "a button needs a name")
	case len(b.Name) > nameLimit:
		bad(n.Line, "name %q is %d bytes: WeChat allows %d (a Chinese character takes 3)", b.Name, len(b.Name), nameLimit)
	}
	if subs != nil {
		if sub {
			bad(subs.Line, "sub-buttons cannot have sub-buttons")
			return b
		}
		if b.Type != "" || b.Key != "" || b.URL != "" {
			bad(n.Line, "%q opens a list (sub): it takes no type, key or url", b.Name)
		}
		if subs.Kind != yaml.SequenceNode || len(subs.Content) == 0 {
			bad(subs.Line, "sub holds 1 to %d buttons", MaxSubButtons)
			return b
		}
		b.Sub = []Button{}
		for _, sn := range subs.Content {
			b.Sub = append(b.Sub, button(sn, true, bad))
		}
		return b
	}
	if b.Type == "" {
		switch {
		case b.Key != "":
			b.Type = "click"
		case b.AppID != "":
			b.Type = miniprogram
		case b.URL != "":
			b.Type = "view"
		default:
			bad(n.Line, "%q does nothing: give it a key (click), a url (view), a type or sub-buttons", b.Name)
			return b
		}
	}
	if !types[b.Type] {
		bad(n.Line, "type %q is not one WeChat knows (click, view, miniprogram, scancode_push, …)", b.Type)
	}
	checkURL := func() {
		u, err := url.Parse(b.URL)
		switch {
		case b.URL == "":
			bad(n.Line, "%q (%s) needs a url", b.Name, b.Type)
		case len(b.URL) > MaxURLBytes:
			bad(n.Line, "url is %d bytes: WeChat allows %d", len(b.URL), MaxURLBytes)
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			bad(n.Line, "url %q is not an http(s) URL", b.URL)
		}
	}
	switch b.Type {
	case "view":
		checkURL()
	case miniprogram:
		if b.AppID == "" || b.PagePath == "" {
			bad(n.Line, "%q (miniprogram) needs appid and pagepath, and a url for clients without mini programs", b.Name)
		}
		checkURL()
	case "media_id", "article_id", "article_view_limited":
		if b.MediaID == "" {
			bad(n.Line, "%q (%s) needs media_id", b.Name, b.Type)
		}
	default:
		switch {
		case b.Key == "":
			bad(n.Line, "%q (%s) needs a key", b.Name, b.Type)
		case len(b.Key) > MaxKeyBytes:
			bad(n.Line, "key is %d bytes: WeChat allows %d", len(b.Key), MaxKeyBytes)
		}
	}
	return b
}

// All returns every button that does something (sub-buttons, and top buttons without a
// list), in order.
func (m Menu) All() []Button {
	var out []Button
	for _, b := range m.Buttons {
		if b.Sub != nil {
			out = append(out, b.Sub...)
		} else {
			out = append(out, b)
		}
	}
	return out
}

// YAML writes the menu as menu.yaml does, so that `menu show` output can be applied.
func (m Menu) YAML() []byte {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	_ = enc.Encode(m)
	return buf.Bytes()
}

// Diff shows, as a unified diff, what applying m changes in the live menu ("" when
// nothing).
func Diff(live, m Menu) string {
	d, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{A: difflib.SplitLines(string(live.YAML())),
		B: difflib.SplitLines(string(m.YAML())), FromFile: "live menu", ToFile: "menu file", Context: 3})
	return d
}

// API is the SDK's menu calls; *menu.Menu from officialaccount.GetMenu() has them.
type API interface {
	SetMenu(buttons []*sdkmenu.Button) error
	GetMenu() (sdkmenu.ResMenu, error)
}

// ErrNoMenu is Live's answer when the account has no custom menu.
var ErrNoMenu = errors.New("the account has no custom menu")

// Live reads the menu set through the API (menu/get).
func Live(api API) (Menu, error) {
	res, err := api.GetMenu()
	if err != nil {
		// The SDK returns a string for errcodes here; 46003 is "no menu".
		if strings.Contains(err.Error(), "errcode=46003") {
			return Menu{}, ErrNoMenu
		}
		return Menu{}, fmt.Errorf("read the live menu: %w", err)
	}
	var m Menu
	for _, b := range res.Menu.Button {
		m.Buttons = append(m.Buttons, fromSDK(b))
	}
	return m, nil
}

func fromSDK(b sdkmenu.Button) Button {
	out := Button{Name: b.Name, Type: b.Type, Key: b.Key, URL: b.URL, AppID: b.AppID, PagePath: b.PagePath, MediaID: b.MediaID}
	if len(b.SubButtons) > 0 {
		out.Type = ""
		out.Sub = []Button{}
		for _, s := range b.SubButtons {
			out.Sub = append(out.Sub, fromSDK(*s))
		}
	}
	return out
}

// Apply sets the account's menu to m (menu/create replaces it whole). Followers' clients
// show it within about five minutes.
func Apply(api API, m Menu) error {
	var buttons []*sdkmenu.Button
	for _, b := range m.Buttons {
		buttons = append(buttons, toSDK(b))
	}
	if err := api.SetMenu(buttons); err != nil {
		return fmt.Errorf("set the menu: %w", err)
	}
	return nil
}

func toSDK(b Button) *sdkmenu.Button {
	out := &sdkmenu.Button{Name: b.Name, Type: b.Type, Key: b.Key, URL: b.URL, AppID: b.AppID, PagePath: b.PagePath, MediaID: b.MediaID}
	if b.Sub != nil {
		out.Type = ""
		for _, s := range b.Sub {
			out.SubButtons = append(out.SubButtons, toSDK(s))
		}
	}
	return out
}

// Package doctor finds out what an official account may do and whether wxpub is set up to
// do it, with no side effects: credentials and token, the IP whitelist, which capabilities
// answer (draft, freepublish, mass send, menu, analytics), the daily quotas of the calls
// wxpub makes, the message callback (reachable, and agreeing on the token, AES key and
// encoding mode) and the clock. Each check that fails says how to fix it.
package doctor

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"wxpub/wechat"
	"wxpub/wechat/follower"
)

// Status is how a check came out.
type Status string

// Statuses, worst last.
const (
	OK   Status = "ok"
	Skip Status = "skip"
	Warn Status = "warn"
	Fail Status = "FAIL"
)

// Check is one line of the checklist.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	// Fix says what to do, when the status is Warn or Fail.
	Fix string `json:"fix,omitempty"`
}

// Report is the checklist.
type Report struct {
	Checks []Check `json:"checks"`
}

// Failed reports whether any check failed.
func (r Report) Failed() bool {
	for _, c := range r.Checks {
		if c.Status == Fail {
			return true
		}
	}
	return false
}

// Count returns how many checks have the status.
func (r Report) Count(s Status) int {
	n := 0
	for _, c := range r.Checks {
		if c.Status == s {
			n++
		}
	}
	return n
}

// Status returns the status of the named check ("" when there is none).
func (r Report) Status(name string) Status {
	for _, c := range r.Checks {
		if c.Name == name {
			return c.Status
		}
	}
	return ""
}

// Write prints the checklist: one line a check, its fix below it.
func (r Report) Write(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range r.Checks {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", c.Status, c.Name, c.Detail)
		if c.Fix != "" {
			fmt.Fprintf(tw, "  \t\tfix: %s\n", c.Fix)
		}
	}
	tw.Flush()
	fails, warns := r.Count(Fail), r.Count(Warn)
	switch {
	case fails == 0 && warns == 0:
		fmt.Fprintln(w, "Everything wxpub needs works.")
	default:
		fmt.Fprintf(w, "%d failed, %d to look at.\n", fails, warns)
	}
}

// API is what the checks call; *wechat.Client has it.
type API interface {
	GetAccessTokenContext(ctx context.Context) (string, error)
	Call(ctx context.Context, endpoint string, body, out any, readOnly bool) error
	Quota(ctx context.Context, cgiPath string) (wechat.Quota, error)
}

// Settings are what the account is configured with.
type Settings struct {
	AppID, AppSecret string
	// APIBase is the API's address, whose clock is compared with this machine's.
	APIBase string
	// CallbackURL is the callback's public URL ("" skips the callback checks); Token,
	// AESKey and Mode are what it should agree on.
	CallbackURL string
	Token       string
	AESKey      string
	Mode        string // plain, compat or safe
	// MaxClockSkew is the callback's timestamp window (0: none).
	MaxClockSkew time.Duration
	// HTTP makes the callback and clock requests (default a 10-second client).
	HTTP *http.Client
}

// Quotas lists the calls wxpub makes, whose daily quotas are checked.
var Quotas = []string{
	"/cgi-bin/media/uploadimg", "/cgi-bin/material/add_material", "/cgi-bin/draft/add", "/cgi-bin/draft/update",
	"/cgi-bin/freepublish/submit", "/cgi-bin/message/mass/preview", "/cgi-bin/message/mass/sendall", "/cgi-bin/message/custom/send",
}

// Run runs every check. api may be nil when the credentials are missing.
func Run(ctx context.Context, api API, set Settings) Report {
	if set.HTTP == nil {
		set.HTTP = &http.Client{Timeout: 10 * time.Second}
	}
	var r Report
	add := func(c Check) { r.Checks = append(r.Checks, c) }
	if set.AppID == "" || set.AppSecret == "" || api == nil {
		add(Check{Name: "credentials", Status: Fail, Detail: "wechat.app_id or wechat.app_secret is not set",
			Fix: "copy the AppID and AppSecret from 设置与开发 → 基本配置 into wxpub.yaml (or WXPUB_WECHAT_APP_SECRET)"})
	} else {
		apiChecks(ctx, api, set, add)
	}
	add(clockCheck(ctx, set))
	callbackChecks(ctx, set, add)
	return r
}

var invalidIP = regexp.MustCompile(`invalid ip ([0-9a-fA-F.:]+)`)

func apiChecks(ctx context.Context, api API, set Settings, add func(Check)) {
	_, err := api.GetAccessTokenContext(ctx)
	var ae *wechat.APIError
	switch {
	case err == nil:
		add(Check{Name: "credentials", Status: OK, Detail: "the AppID and AppSecret give an access token (stable_token)"})
		add(Check{Name: "IP whitelist", Status: OK, Detail: "this machine's address is on the account's whitelist"})
	case errors.As(err, &ae) && ae.Code == wechat.CodeIPNotAllowed:
		ip := "this machine's public address"
		if m := invalidIP.FindStringSubmatch(ae.Msg); m != nil {
			ip = m[1]
		}
		add(Check{Name: "credentials", Status: Skip, Detail: "not checked: the whitelist refused the call first"})
		add(Check{Name: "IP whitelist", Status: Fail, Detail: fmt.Sprintf("WeChat refuses calls from %s (40164)", ip),
			Fix: fmt.Sprintf("add %s to 设置与开发 → 基本配置 → IP白名单 in the MP backend, then run wxpub doctor again", ip)})
		return
	case errors.As(err, &ae) && (ae.Code == 40001 || ae.Code == 40013 || ae.Code == 40125):
		add(Check{Name: "credentials", Status: Fail, Detail: fmt.Sprintf("WeChat refused them: %s", ae.Msg),
			Fix: "check wechat.app_id and wechat.app_secret against 设置与开发 → 基本配置 (a reset AppSecret invalidates the old one)"})
		return
	default:
		add(Check{Name: "credentials", Status: Fail, Detail: fmt.Sprintf("no access token: %v", err),
			Fix: "check wechat.api_base and this machine's network access to it"})
		return
	}
	capabilityChecks(ctx, api, add)
	for _, path := range Quotas {
		q, err := api.Quota(ctx, path)
		name := "quota " + strings.TrimPrefix(path, "/cgi-bin/")
		switch {
		case err != nil:
			add(Check{Name: name, Status: Warn, Detail: fmt.Sprintf("could not read it: %v", err)})
		case q.Remain <= 0:
			add(Check{Name: name, Status: Fail, Detail: fmt.Sprintf("spent for today: %d of %d used (calls get 45009)", q.Used, q.DailyLimit),
				Fix: "wait for tomorrow, or reset the account's quotas once with POST /cgi-bin/clear_quota (10 times a month)"})
		case q.Remain*10 < q.DailyLimit:
			add(Check{Name: name, Status: Warn, Detail: fmt.Sprintf("%d of %d left today", q.Remain, q.DailyLimit),
				Fix: "find what spends it (a loop, a second tool on the same account) before it runs out"})
		default:
			add(Check{Name: name, Status: OK, Detail: fmt.Sprintf("%d of %d left today", q.Remain, q.DailyLimit)})
		}
	}
}

// capabilityChecks asks each area a question that changes nothing, and tells a refusal
// (48001) from an answer (any other errcode means the endpoint may be called).
func capabilityChecks(ctx context.Context, api API, add func(Check)) {
	yesterday := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, -1).Format(time.DateOnly)
	for _, c := range []struct {
		name, endpoint string
		body           any
		lacks, fix     string
	}{
		{"draft box", "/cgi-bin/draft/count", nil, "wxpub cannot create drafts",
			"the account's API permissions: 设置与开发 → 接口权限"},
		{"free publishing", "/cgi-bin/freepublish/batchget", map[string]any{"offset": 0, "count": 1, "no_content": 1},
			"publish --publish stops after the draft and preview",
			"since 2025 only verified accounts may publish by API: verify the account (微信认证), or publish each draft from 内容管理 → 草稿箱, or mass-send with --broadcast"},
		{"mass send", "/cgi-bin/message/mass/get", map[string]any{"msg_id": 1}, "--broadcast and previews fail",
			"mass send and previews need a verified account: 微信认证"},
		{"custom menu", "/cgi-bin/get_current_selfmenu_info", nil, "wxpub menu apply fails",
			"the menu API needs a verified account: 微信认证"},
		{"analytics", "/datacube/getusersummary", map[string]any{"begin_date": yesterday, "end_date": yesterday},
			"reads and follower figures cannot be fetched", "analytics need a verified account: 微信认证"},
	} {
		err := api.Call(ctx, c.endpoint, c.body, nil, true)
		var ae *wechat.APIError
		switch {
		case err == nil, errors.As(err, &ae) && ae.Code != wechat.CodeUnauthorized && !wechat.IsTokenError(ae.Code) && ae.Code != wechat.CodeSystemBusy:
			add(Check{Name: c.name, Status: OK, Detail: "the account may use it"})
		case ae != nil && ae.Code == wechat.CodeUnauthorized:
			add(Check{Name: c.name, Status: Fail, Detail: "not allowed for this account (48001): " + c.lacks, Fix: c.fix})
		default:
			add(Check{Name: c.name, Status: Warn, Detail: fmt.Sprintf("no answer: %v", err), Fix: "run wxpub doctor again; if it persists, check the network"})
		}
	}
}

// clockCheck compares this machine's clock with the API server's: the callback refuses
// requests whose timestamps are off by more than the skew window.
func clockCheck(ctx context.Context, set Settings) Check {
	c := Check{Name: "clock"}
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, strings.TrimSuffix(set.APIBase, "/")+"/", nil)
	if err != nil {
		c.Status, c.Detail = Skip, err.Error()
		return c
	}
	start := time.Now()
	resp, err := set.HTTP.Do(req)
	if err != nil {
		c.Status, c.Detail = Warn, fmt.Sprintf("could not reach %s to compare clocks: %v", set.APIBase, err)
		return c
	}
	resp.Body.Close()
	theirs, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		c.Status, c.Detail = Skip, "the API sent no Date header to compare with"
		return c
	}
	// The Date header has whole seconds and was written during the request.
	mid := start.Add(time.Since(start) / 2)
	skew := mid.Sub(theirs).Truncate(time.Second)
	if skew < 0 {
		skew = -skew
	}
	switch {
	case set.MaxClockSkew > 0 && skew > set.MaxClockSkew/2:
		c.Status, c.Detail = Fail, fmt.Sprintf("this machine's clock is %s off WeChat's; the callback refuses requests more than %s off", skew, set.MaxClockSkew)
		c.Fix = "run NTP on this machine (timedatectl set-ntp true)"
	case skew > 5*time.Second:
		c.Status, c.Detail, c.Fix = Warn, fmt.Sprintf("this machine's clock is %s off WeChat's", skew), "run NTP on this machine (timedatectl set-ntp true)"
	default:
		c.Status, c.Detail = OK, fmt.Sprintf("within %s of WeChat's", max(skew, time.Second))
	}
	return c
}

// callbackChecks call the message callback as WeChat would: the URL check (GET with
// echostr) proves the token agrees; a harmless event in the configured mode proves the
// encoding mode and AES key agree.
func callbackChecks(ctx context.Context, set Settings, add func(Check)) {
	if set.CallbackURL == "" {
		add(Check{Name: "callback", Status: Skip, Detail: "server.public_url is not set",
			Fix: "set server.public_url to the URL in 设置与开发 → 基本配置 → 服务器配置 to check it"})
		return
	}
	var b [8]byte
	rand.Read(b[:])
	echo := hex.EncodeToString(b[:])
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	nonce := strconv.FormatInt(time.Now().UnixNano()%1_000_000_000, 10)
	q := url.Values{"signature": {wechat.Signature(set.Token, ts, nonce)}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {echo}}
	u, err := url.Parse(set.CallbackURL)
	if err != nil {
		add(Check{Name: "callback", Status: Fail, Detail: err.Error(), Fix: "set server.public_url to an http(s) URL"})
		return
	}
	u.RawQuery = q.Encode()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	resp, err := set.HTTP.Do(req)
	if err != nil {
		// Without the request's URL: its query holds this check's signature.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		add(Check{Name: "callback", Status: Fail, Detail: fmt.Sprintf("%s does not answer: %v", set.CallbackURL, err),
			Fix: "start wxpub serve there, and check DNS, TLS and the proxy in front of it (deploy/nginx.conf)"})
		return
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != echo {
		add(Check{Name: "callback", Status: Fail, Detail: fmt.Sprintf("the URL check failed: HTTP %d %.80q", resp.StatusCode, body),
			Fix: "wechat.token here, the server's and 服务器配置's Token must be the same; server.path must be the URL's path"})
		return
	}
	add(Check{Name: "callback", Status: OK, Detail: set.CallbackURL + " answers WeChat's URL check with this token"})

	mode := map[string]follower.Mode{"plain": follower.Plain, "compat": follower.Compatible, "safe": follower.Safe}[set.Mode]
	f := follower.New(set.CallbackURL, set.Token, mode)
	f.AppID, f.AESKey, f.OpenID, f.Client = set.AppID, set.AESKey, "wxpub-doctor", set.HTTP
	res, err := f.Send(ctx, f.EventMessage("VIEW", "wxpub-doctor"))
	name := "callback " + set.Mode + " mode"
	switch {
	case err != nil && res == nil:
		add(Check{Name: name, Status: Fail, Detail: fmt.Sprintf("no answer to a test event: %v", err), Fix: "see the server's log"})
	case err != nil:
		add(Check{Name: name, Status: Fail, Detail: fmt.Sprintf("its answer does not verify: %v", err),
			Fix: "wechat.aes_key here and the server's must be the EncodingAESKey of 服务器配置"})
	case res.Status == http.StatusOK:
		add(Check{Name: name, Status: OK, Detail: "the server reads a " + set.Mode + "-mode message and its answer verifies"})
	default:
		add(Check{Name: name, Status: Fail, Detail: fmt.Sprintf("the server refused a %s-mode message: HTTP %d %.80q", set.Mode, res.Status, res.Body),
			Fix: "wechat.encoding_mode and wechat.aes_key must match 服务器配置's 消息加解密方式 and EncodingAESKey, here and on the server"})
	}
}

// Package sandbox is a local emulator of the WeChat Official Account API: access tokens,
// image uploads, the draft box, free publishing (and deleting), mass messages,
// customer-service messages, the custom menu, call quotas and the follower analytics, with
// the documented request shapes, limits and errcodes, and what differs per account: the
// IP whitelist (40164), endpoints an unverified account may not call (48001) and daily
// quotas (45009). Every wxpub test and the quick
// start talk to it instead of the real API, so that code proven against it works live.
//
// It also lets tests inject latency and faults, records every call it received, and serves
// drafts, published articles and uploaded images as pages.
package sandbox

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options configure a sandbox. Zero values take the defaults noted.
type Options struct {
	// AppID and AppSecret are the credentials it accepts (default DemoAppID, DemoAppSecret).
	AppID, AppSecret string
	// Token signs the events pushed to CallbackURL (default "sandbox").
	Token string
	// CallbackURL receives PUBLISHJOBFINISH events when set.
	CallbackURL string
	// TokenTTL is an access token's life (default 7200 s, as live).
	TokenTTL time.Duration
	// TokenOverlap is how long a token stays valid after /token issued a newer one
	// (default 0: invalid at once).
	TokenOverlap time.Duration
	// PublishDelay is how long a publish job stays at status 1 (default 200 ms).
	PublishDelay time.Duration
	// MassQuota is how many mass sends a day the account has (default 1: a subscription
	// account).
	MassQuota int
	// ForceRefreshQuota is how many stable_token force refreshes a day (default 20).
	ForceRefreshQuota int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Whitelist is the addresses the account accepts calls from (nil: any); others get
	// 40164 naming their address.
	Whitelist []string
	// Unauthorized is the endpoints (path prefixes) the account may not call: 48001.
	// Unverified lists those of an unverified account.
	Unauthorized []string
	// EditorFilter, when set, also changes every article's content as the draft box keeps
	// it: a platform filter the documentation does not describe, for tests of the
	// read-back.
	EditorFilter func(content string) string
	// DailyLimits are endpoints' daily call quotas (default DefaultDailyCallLimit), which
	// openapi/quota/get reports and past which calls get 45009.
	DailyLimits map[string]int
}

// The credentials a sandbox accepts unless told otherwise; the quick start uses them.
const (
	DemoAppID     = "wx5a4db0xsandbox0"
	DemoAppSecret = "sandbox-app-secret-0123456789abcd"
	// AccountID is the sandbox account's gh_ id, the ToUserName of the events it pushes.
	AccountID = "gh_5a4db0sandbox"
)

// Errcodes the sandbox answers with, as documented.
const (
	CodeOK                = 0
	CodeInvalidCredential = 40001
	CodeInvalidOpenID     = 40003
	CodeInvalidMediaType  = 40004
	CodeInvalidFileType   = 40005
	CodeInvalidMediaID    = 40007
	CodeInvalidImageSize  = 40009
	CodeInvalidAppID      = 40013
	CodeInvalidToken      = 40014
	CodeInvalidArgs       = 40097
	CodeInvalidSecret     = 40125
	CodeTokenMissing      = 41001
	CodeTokenExpired      = 42001
	CodeEmptyNews         = 44003
	CodeContentTooLong    = 45002
	CodeTitleTooLong      = 45003
	CodeDigestTooLong     = 45004
	CodeSourceURLTooLong  = 45005
	CodeTooManyArticles   = 45008
	CodeDailyLimit        = 45009
	CodeTooFrequent       = 45011
	CodeNoMassQuota       = 45028
	CodeClientMsgIDExist  = 45065
	CodeAuthorTooLong     = 45110
	CodePublishCheck      = 53503
)

// Sandbox is a running emulator. Its methods are safe for concurrent use.
type Sandbox struct {
	opt Options
	mux *http.ServeMux
	srv *http.Server
	ln  net.Listener
	url string

	mu        sync.Mutex
	tokens    map[string]*token
	normal    string // the newest /token token
	stable    string // the current stable_token token
	forced    []time.Time
	calls     []Call
	faults    []*Fault
	latency   time.Duration
	images    map[string]*Image // by id (the path under /mmbiz/)
	materials map[string]*Image // permanent, by media_id
	drafts    map[string]*Draft
	draftSeq  int
	jobs      map[int64]*PublishJob
	articles  map[string]*PublishJob // by article_id
	jobSeq    int64
	failNext  int // publish status the next job ends with
	checkFail bool
	mass      []*MassSend
	massByKey map[string]*MassSend
	previews  []Preview
	customs   []json.RawMessage
	pushes    []Push
	seq       int64
	inFlight  map[string]int
	maxFlight map[string]int
	wg        sync.WaitGroup
	closed    bool

	whitelist    []string
	unauthorized []string
	used         map[string]int // calls today, by endpoint
	endpoints    map[string]bool
	menu         []MenuButton
	menuID       int64
	deleted      []string // freepublish/delete'd article IDs
}

type token struct {
	value   string
	stable  bool
	expires time.Time
	// replacedAt is when a newer token made this one invalid (40001), zero while it is
	// the latest.
	replacedAt time.Time
}

// Call is one request the sandbox received, with the access token left out.
type Call struct {
	Method, Path string
	Query        url.Values
	Body         []byte
	At           time.Time
	// ErrCode is what the sandbox answered (-1 for an unknown endpoint); Status the HTTP
	// status when a fault made it other than 200.
	ErrCode int
	Status  int
}

// Image is an uploaded image.
type Image struct {
	ID, MediaID, URL, Type, Name string
	Updated                      time.Time
	Data                         []byte
	Permanent                    bool
}

// Article is an article as the draft box keeps it.
type Article struct {
	Title            string `json:"title"`
	Author           string `json:"author"`
	Digest           string `json:"digest"`
	Content          string `json:"content"`
	ContentSourceURL string `json:"content_source_url"`
	ThumbMediaID     string `json:"thumb_media_id"`
	ThumbURL         string `json:"thumb_url"`
	// ShowCoverPic is kept for the documented examples, which still carry it; the editor
	// no longer shows a cover inside the body whatever it says.
	ShowCoverPic       int    `json:"show_cover_pic"`
	NeedOpenComment    int    `json:"need_open_comment"`
	OnlyFansCanComment int    `json:"only_fans_can_comment"`
	PicCrop2351        string `json:"pic_crop_235_1,omitempty"`
	PicCrop11          string `json:"pic_crop_1_1,omitempty"`
	URL                string `json:"url"`
	IsDeleted          bool   `json:"is_deleted,omitempty"`
}

// Draft is one draft in the draft box.
type Draft struct {
	MediaID     string
	Articles    []Article
	Created     time.Time
	Updated     time.Time
	Updates     int
	FilteredSrc []string // <img> sources the editor dropped: not from uploadimg
}

// PublishJob is one freepublish/submit.
type PublishJob struct {
	PublishID int64
	MsgDataID int64
	MediaID   string
	Status    int // 1 publishing, 0 done, 2–6 failed
	ArticleID string
	URL       string
	Articles  []Article
	Done      time.Time
}

// MassSend is one accepted sendall.
type MassSend struct {
	MsgID, MsgDataID int64
	MediaID          string
	ClientMsgID      string
	ToAll            bool
	TagID            int
	At               time.Time
	// Articles is how many articles the send carried; Deleted is set by message/mass/delete.
	Articles int
	Deleted  bool
}

// Preview is one message/mass/preview.
type Preview struct {
	ToUser, ToWxName, MediaID string
}

// Push is an event the sandbox pushed to the callback URL.
type Push struct {
	Event  string
	Body   string
	Status int
	Err    string
}

// New returns a sandbox that is not yet listening; use it as an http.Handler or call Start.
func New(opt Options) *Sandbox {
	if opt.AppID == "" {
		opt.AppID, opt.AppSecret = DemoAppID, DemoAppSecret
	}
	if opt.Token == "" {
		opt.Token = "sandbox"
	}
	if opt.TokenTTL == 0 {
		opt.TokenTTL = 7200 * time.Second
	}
	if opt.PublishDelay == 0 {
		opt.PublishDelay = 200 * time.Millisecond
	}
	if opt.MassQuota == 0 {
		opt.MassQuota = 1
	}
	if opt.ForceRefreshQuota == 0 {
		opt.ForceRefreshQuota = 20
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	s := &Sandbox{
		opt:       opt,
		tokens:    map[string]*token{},
		images:    map[string]*Image{},
		materials: map[string]*Image{},
		drafts:    map[string]*Draft{},
		jobs:      map[int64]*PublishJob{},
		articles:  map[string]*PublishJob{},
		massByKey: map[string]*MassSend{},
		inFlight:  map[string]int{},
		maxFlight: map[string]int{},
		jobSeq:    2247483647,
		whitelist: opt.Whitelist,
		used:      map[string]int{},
		endpoints: map[string]bool{},
	}
	s.unauthorized = opt.Unauthorized
	s.routes()
	return s
}

// Start listens on addr ("" for a free loopback port) and serves until Close.
func Start(addr string, opt Options) (*Sandbox, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("sandbox listen %s: %w", addr, err)
	}
	s := New(opt)
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// URL is the base URL clients use as wechat.api_base ("" before Start).
func (s *Sandbox) URL() string { return s.url }

// Endpoints lists the API paths the sandbox serves, sorted: what a conformance test must
// cover.
func (s *Sandbox) Endpoints() []string {
	out := make([]string, 0, len(s.endpoints))
	for path := range s.endpoints {
		out = append(out, path)
	}
	sort.Strings(out)
	return out
}

// SetURL sets the base URL used in the links it returns, for a sandbox served by another
// server (an httptest.Server, say).
func (s *Sandbox) SetURL(u string) { s.mu.Lock(); s.url = strings.TrimSuffix(u, "/"); s.mu.Unlock() }

// Close stops the server and waits for pending publish jobs and pushes.
func (s *Sandbox) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	var err error
	if s.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = s.srv.Shutdown(ctx)
	}
	s.wg.Wait()
	return err
}

// ServeHTTP implements http.Handler.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

func (s *Sandbox) now() time.Time { return s.opt.Now() }

func (s *Sandbox) newID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// apiError is an errcode answer.
type apiError struct {
	code int
	msg  string
	// extra fields returned with the errcode (45065 returns the first msg_id).
	extra map[string]any
}

func fail(code int, format string, args ...any) *apiError {
	return &apiError{code: code, msg: fmt.Sprintf(format, args...)}
}

// handler is one endpoint: it returns the JSON fields of a successful answer or an errcode.
type handler func(r *http.Request, body []byte) (map[string]any, *apiError)

func (s *Sandbox) routes() {
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/cgi-bin/token", s.api(s.handleToken, false))
	s.mux.HandleFunc("/cgi-bin/stable_token", s.api(s.handleStableToken, false))
	api := map[string]handler{
		"/cgi-bin/media/uploadimg":            s.handleUploadImg,
		"/cgi-bin/material/add_material":      s.handleAddMaterial,
		"/cgi-bin/material/batchget_material": s.handleBatchGetMaterial,
		"/cgi-bin/draft/add":                  s.handleDraftAdd,
		"/cgi-bin/draft/update":               s.handleDraftUpdate,
		"/cgi-bin/draft/get":                  s.handleDraftGet,
		"/cgi-bin/draft/batchget":             s.handleDraftBatchGet,
		"/cgi-bin/draft/delete":               s.handleDraftDelete,
		"/cgi-bin/draft/count":                s.handleDraftCount,
		"/cgi-bin/freepublish/submit":         s.handlePublishSubmit,
		"/cgi-bin/freepublish/get":            s.handlePublishGet,
		"/cgi-bin/freepublish/batchget":       s.handlePublishBatchGet,
		"/cgi-bin/message/mass/preview":       s.handleMassPreview,
		"/cgi-bin/message/mass/sendall":       s.handleMassSendAll,
		"/cgi-bin/message/mass/get":           s.handleMassGet,
		"/cgi-bin/message/mass/delete":        s.handleMassDelete,
		"/cgi-bin/message/custom/send":        s.handleCustomSend,
		"/cgi-bin/freepublish/delete":         s.handlePublishDelete,
		"/cgi-bin/freepublish/getarticle":     s.handlePublishGetArticle,
		"/cgi-bin/openapi/quota/get":          s.handleQuotaGet,
		"/cgi-bin/clear_quota":                s.handleClearQuota,
		"/cgi-bin/menu/create":                s.handleMenuCreate,
		"/cgi-bin/menu/get":                   s.handleMenuGet,
		"/cgi-bin/menu/delete":                s.handleMenuDelete,
		"/cgi-bin/get_current_selfmenu_info":  s.handleSelfMenuInfo,
		"/datacube/getusersummary":            s.handleUserSummary,
		"/datacube/getusercumulate":           s.handleUserCumulate,
		"/datacube/getarticletotal":           s.handleArticleTotal,
	}
	s.endpoints["/cgi-bin/token"], s.endpoints["/cgi-bin/stable_token"] = true, true
	for path, h := range api {
		s.endpoints[path] = true
		s.mux.HandleFunc(path, s.api(h, true))
	}
	s.mux.HandleFunc("/mmbiz/", s.serveImage)
	s.mux.HandleFunc("/s/", s.serveArticle)
	s.mux.HandleFunc("/{$}", s.serveIndex)
	s.mux.HandleFunc("/", s.unknown)
}

// unknown answers any other URL loudly: recorded with errcode -1, so a test can fail on it.
func (s *Sandbox) unknown(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	s.record(r, body, -1, http.StatusNotFound)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	_, _ = fmt.Fprintf(w, `{"errcode":-1,"errmsg":"sandbox: no endpoint %s %s"}`, r.Method, r.URL.Path)
}

// Unknown returns the calls to URLs the sandbox does not emulate.
func (s *Sandbox) Unknown() []Call {
	var out []Call
	for _, c := range s.Calls() {
		if c.Status == http.StatusNotFound && c.ErrCode == -1 {
			out = append(out, c)
		}
	}
	return out
}

func (s *Sandbox) record(r *http.Request, body []byte, code, status int) {
	q := r.URL.Query()
	q.Del("access_token")
	q.Del("secret")
	if len(body) > 64<<10 {
		body = body[:64<<10] // an image upload: its head is enough to tell what it was
	}
	s.mu.Lock()
	s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, Query: q, Body: body, At: s.now(), ErrCode: code, Status: status})
	s.mu.Unlock()
}

// maxBody is the largest request the sandbox reads: a 10 MB permanent image and its form.
const maxBody = 11 << 20

func (s *Sandbox) api(h handler, needToken bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.enter(r.URL.Path)
		defer s.leave(r.URL.Path)
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil {
			return
		}
		if d := s.currentLatency(); d > 0 {
			select {
			case <-time.After(d):
			case <-r.Context().Done():
				return
			}
		}
		f := s.takeFault(r.URL.Path)
		if f != nil && !f.AfterProcessing {
			s.applyFault(w, r, body, f)
			return
		}
		var out map[string]any
		var ae *apiError
		switch {
		case len(body) > maxBody:
			ae = fail(CodeInvalidImageSize, "request too large")
		default:
			ae = s.allowedIP(r)
		}
		if ae == nil && needToken {
			ae = s.checkToken(r.URL.Query().Get("access_token"))
		}
		if ae == nil && needToken {
			ae = s.authorized(r.URL.Path)
		}
		if ae == nil && needToken && r.URL.Path != "/cgi-bin/openapi/quota/get" {
			ae = s.countCall(r.URL.Path)
		}
		if ae == nil {
			out, ae = h(r, body)
		}
		if f != nil {
			s.applyFault(w, r, body, f)
			return
		}
		resp := map[string]any{}
		code := 0
		if ae != nil {
			code = ae.code
			resp["errcode"], resp["errmsg"] = ae.code, ae.msg
			for k, v := range ae.extra {
				resp[k] = v
			}
		} else {
			for k, v := range out {
				resp[k] = v
			}
			if _, ok := resp["access_token"]; !ok {
				resp["errcode"], resp["errmsg"] = 0, "ok"
			}
		}
		s.record(r, body, code, 0)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		// The live API sends compact JSON with no trailing newline; co-wechat-api escapes
		// control characters before parsing, so a newline after the object (what
		// json.Encoder writes) fails its parse.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(resp)
		_, _ = w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	}
}

func (s *Sandbox) checkToken(v string) *apiError {
	if v == "" {
		return fail(CodeTokenMissing, "access_token missing")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[v]
	switch {
	case !ok, !t.replacedAt.IsZero() && !s.now().Before(t.replacedAt):
		return fail(CodeInvalidCredential, "invalid credential, access_token is invalid or not latest")
	case !s.now().Before(t.expires):
		return fail(CodeTokenExpired, "access_token expired")
	}
	return nil
}

// decode reads a JSON body into v, as the live API does: unknown fields are ignored.
func decode(body []byte, v any) *apiError {
	if err := json.Unmarshal(body, v); err != nil {
		return fail(47001, "data format error: %v", err)
	}
	return nil
}

func (s *Sandbox) nextSeq() int64 {
	s.seq++
	return s.seq
}

// sortedKeys returns a map's keys in order, for stable listings.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ErrClosed is returned by waits on a closed sandbox.
var ErrClosed = errors.New("sandbox closed")

func (s *Sandbox) enter(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight[path]++
	if s.inFlight[path] > s.maxFlight[path] {
		s.maxFlight[path] = s.inFlight[path]
	}
}

func (s *Sandbox) leave(path string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight[path]--
}

// MaxInFlight is the most calls to one endpoint the sandbox was answering at once.
func (s *Sandbox) MaxInFlight(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxFlight[path]
}

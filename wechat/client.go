package wechat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
)

// DefaultBaseURL is the live API.
const DefaultBaseURL = "https://api.weixin.qq.com"

// Options configure a Client. Zero values take the defaults noted.
type Options struct {
	AppID, AppSecret string
	// BaseURL is the API's address (default DefaultBaseURL); the sandbox's for tests.
	BaseURL string
	// Timeout bounds each attempt of a call (default 15 s).
	Timeout time.Duration
	// Attempts is how many times a retryable call is tried (default 4).
	Attempts int
	// Backoff is the first wait between attempts, doubled each time (default 250 ms).
	Backoff time.Duration
	// Cache holds the access token (default a MemoryCache).
	Cache TokenCache
	// Lock, when set, makes token refreshes one at a time across processes sharing Cache:
	// a process that finds no token waits for the lock, then looks again before fetching.
	Lock TokenLock
	// ClassicToken fetches tokens from /cgi-bin/token instead of /cgi-bin/stable_token.
	// Each /cgi-bin/token call invalidates the token every other holder has.
	ClassicToken bool
	// HTTPClient sends the requests (default a client of its own; per-attempt timeouts
	// come from Timeout either way).
	HTTPClient *http.Client
	// Log receives retries and token refreshes at debug level (default discards).
	Log logrus.FieldLogger
}

// Client calls the WeChat Official Account API. It is safe for concurrent use.
//
// Every call has a context and a per-attempt timeout; JSON is sent without HTML escaping;
// an errcode comes back as *APIError; a token error (40001, 40014, 42001) drops the cached
// token and retries the call once; a 5xx, timeout or errcode -1 is retried with backoff when
// the call is safe to repeat. Calls that would duplicate something if repeated (draft/add,
// freepublish/submit, add_material, custom/send) are not retried here: the caller decides,
// after checking whether the first attempt took effect.
type Client struct {
	opt     Options
	base    string
	hc      *http.Client
	cache   TokenCache
	log     logrus.FieldLogger
	tokenMu sync.Mutex
	// After a failed token fetch, calls fail fast until tokenRetryAt: an API that is down
	// must not be asked for a token by every request (tokenMu guards these).
	tokenErr     error
	tokenRetryAt time.Time
	tokenBackoff time.Duration
}

// New returns a client for one account.
func New(opt Options) (*Client, error) {
	if opt.AppID == "" || opt.AppSecret == "" {
		return nil, errors.New("wechat: wechat.app_id and wechat.app_secret are required")
	}
	if opt.BaseURL == "" {
		opt.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(opt.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("wechat: wechat.api_base %q is not an http(s) URL", opt.BaseURL)
	}
	if opt.Timeout <= 0 {
		opt.Timeout = 15 * time.Second
	}
	if opt.Attempts <= 0 {
		opt.Attempts = 4
	}
	if opt.Backoff <= 0 {
		opt.Backoff = 250 * time.Millisecond
	}
	if opt.Cache == nil {
		opt.Cache = NewMemoryCache()
	}
	if opt.HTTPClient == nil {
		opt.HTTPClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	if opt.Log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		opt.Log = l
	}
	return &Client{opt: opt, base: strings.TrimSuffix(opt.BaseURL, "/"), hc: opt.HTTPClient, cache: opt.Cache, log: opt.Log}, nil
}

// BaseURL is the API's address the client calls.
func (c *Client) BaseURL() string { return c.base }

// Timeout bounds each attempt of a call.
func (c *Client) Timeout() time.Duration { return c.opt.Timeout }

// Transport is the HTTP transport the client's calls go through.
func (c *Client) Transport() http.RoundTripper { return c.hc.Transport }

// TokenCache is where the client keeps its access token.
func (c *Client) TokenCache() TokenCache { return c.cache }

// AppID is the account the client calls for.
func (c *Client) AppID() string { return c.opt.AppID }

// call is one API request.
type call struct {
	endpoint string
	method   string // default POST
	query    url.Values
	body     any   // JSON body
	file     *file // multipart "media" instead of JSON
	out      any   // decoded from a successful answer (and from an errcode answer, for 45065)
	// idempotent calls may be repeated after a failure that might have taken effect.
	idempotent bool
	noToken    bool
}

type file struct {
	name string
	data []byte
}

// do runs a call with its retries.
func (c *Client) do(ctx context.Context, cl call) error {
	tokenRetried := false
	var last error
	for attempt := 1; ; attempt++ {
		tok := ""
		if !cl.noToken {
			var err error
			if tok, err = c.GetAccessTokenContext(ctx); err != nil {
				return err
			}
		}
		raw, err := c.send(ctx, cl, tok)
		if err == nil {
			err = c.decode(cl, raw)
			var ae *APIError
			if errors.As(err, &ae) && IsTokenError(ae.Code) && !tokenRetried && !cl.noToken {
				// The token was refused, so the call did nothing: drop it and try once more.
				c.log.WithFields(logrus.Fields{"endpoint": cl.endpoint, "errcode": ae.Code}).Debug("access token refused; refreshing")
				c.dropToken(tok)
				tokenRetried = true
				attempt--
				continue
			}
		}
		if err == nil {
			return nil
		}
		last = err
		if !Retryable(err) || !cl.idempotent || attempt >= c.opt.Attempts || ctx.Err() != nil {
			if attempt > 1 {
				return fmt.Errorf("%w (gave up after %d attempts)", last, attempt)
			}
			return last
		}
		wait := c.backoff(attempt)
		c.log.WithFields(logrus.Fields{"endpoint": cl.endpoint, "attempt": attempt, "wait": wait, "error": err}).Debug("retrying")
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fmt.Errorf("wechat %s: %w (last error: %v)", cl.endpoint, ctx.Err(), last)
		}
	}
}

// backoff is Backoff doubled per attempt, with ±20 % jitter so retrying replicas spread out,
// and at most 10 s.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.opt.Backoff << (attempt - 1)
	if d > 10*time.Second || d <= 0 {
		d = 10 * time.Second
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

func (c *Client) send(ctx context.Context, cl call, tok string) ([]byte, error) {
	q := url.Values{}
	for k, v := range cl.query {
		q[k] = v
	}
	if tok != "" {
		q.Set("access_token", tok)
	}
	u := c.base + cl.endpoint
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var body io.Reader
	ctype := ""
	switch {
	case cl.file != nil:
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, err := mw.CreateFormFile("media", cl.file.name)
		if err != nil {
			return nil, err
		}
		if _, err := fw.Write(cl.file.data); err != nil {
			return nil, err
		}
		if err := mw.Close(); err != nil {
			return nil, err
		}
		body, ctype = &b, mw.FormDataContentType()
	case cl.body != nil:
		data, err := Marshal(cl.body)
		if err != nil {
			return nil, fmt.Errorf("wechat %s: encode request: %w", cl.endpoint, err)
		}
		body, ctype = bytes.NewReader(data), "application/json; charset=utf-8"
	}
	method := cl.method
	if method == "" {
		method = http.MethodPost
	}
	actx, cancel := context.WithTimeout(ctx, c.opt.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("wechat %s: %w", cl.endpoint, err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("wechat %s: %w", cl.endpoint, ctx.Err())
		}
		// The URL carries the token: report the endpoint, not the URL.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer within %s", c.opt.Timeout)
		}
		return nil, &transportError{endpoint: cl.endpoint, err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, &transportError{endpoint: cl.endpoint, err: err}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, &HTTPError{Endpoint: cl.endpoint, Status: resp.StatusCode}
	}
	return data, nil
}

func (c *Client) decode(cl call, raw []byte) error {
	var ec struct {
		ErrCode int    `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(raw, &ec); err != nil {
		return fmt.Errorf("wechat %s: answer is not JSON: %.80q", cl.endpoint, raw)
	}
	if cl.out != nil {
		if err := json.Unmarshal(raw, cl.out); err != nil {
			return fmt.Errorf("wechat %s: decode answer: %w", cl.endpoint, err)
		}
	}
	if ec.ErrCode != 0 {
		return &APIError{Endpoint: cl.endpoint, Code: ec.ErrCode, Msg: ec.ErrMsg}
	}
	return nil
}

// Call makes one API call the typed methods do not cover, with the client's token, errors
// and timeouts: body is sent as JSON (nil: a GET) and a successful answer decoded into out
// (nil: ignored). It is retried only when readOnly says repeating it is harmless.
func (c *Client) Call(ctx context.Context, endpoint string, body, out any, readOnly bool) error {
	cl := call{endpoint: endpoint, body: body, out: out, idempotent: readOnly}
	if body == nil {
		cl.method = http.MethodGet
	}
	return c.do(ctx, cl)
}

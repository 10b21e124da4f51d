package wechat

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Reply is what the account answers a message with: a text, or news articles, or nothing
// (the zero Reply: the callback answers "success").
type Reply struct {
	Text     string        `json:"text,omitempty"`
	Articles []NewsArticle `json:"articles,omitempty"`
}

// Empty reports whether r says nothing.
func (r *Reply) Empty() bool { return r == nil || (r.Text == "" && len(r.Articles) == 0) }

// XML renders the reply to one follower.
func (r *Reply) XML(to, from string, createTime int64) []byte {
	if len(r.Articles) > 0 {
		return NewsReply(to, from, createTime, r.Articles)
	}
	return TextReply(to, from, createTime, r.Text)
}

// Dispatcher answers a message. It runs apart from the request, so it may outlast the
// reply budget; its context ends only when the server shuts down.
type Dispatcher func(ctx context.Context, m *Message) (*Reply, error)

// Kept is a reply kept for a message's retries: the reply and the CreateTime it was sent
// with, so a retry gets the same bytes.
type Kept struct {
	Reply      *Reply `json:"reply"`
	CreateTime int64  `json:"create_time"`
}

// Dedup keeps the first reply to each message so that WeChat's retries get it again
// without the work running twice. In-memory for one replica; Redis-backed for several.
type Dedup interface {
	// Claim marks key as being answered; false means it was claimed before (a retry).
	Claim(ctx context.Context, key string) (bool, error)
	// Complete keeps the reply for key.
	Complete(ctx context.Context, key string, k Kept) error
	// Wait returns the kept reply of a claimed key, waiting for it until ctx ends
	// (then ErrPending).
	Wait(ctx context.Context, key string) (Kept, error)
}

// ErrPending is returned by Dedup.Wait when the first delivery is still being answered.
var ErrPending = errors.New("the first delivery is still being answered")

// Observation is what the server tells about each request, for metrics and logs. It holds
// no message content and no OpenID.
type Observation struct {
	// Type is the message type ("text", "image", "event:subscribe"), "" when unknown.
	Type string
	// Outcome: "replied", "no_reply", "duplicate", "late" (answered "success" after the
	// budget), "verified" (GET), "bad_signature", "wrong_app", "stale", "too_large",
	// "malformed", "bad_request".
	Outcome string
	Latency time.Duration
	// User is a short hash of the sender's OpenID ("" when unknown).
	User string
}

// CallbackHandler is the message callback: verify → parse → dispatch → reply.
type CallbackHandler struct {
	// Token is the callback token; every request must be signed with it.
	Token string
	// Crypter opens safe-mode messages; nil accepts plain mode only.
	Crypter *Crypter
	// MaxClockSkew refuses requests whose timestamp is further than this from now
	// (0: no check).
	MaxClockSkew time.Duration
	// ReplyBudget is how long a reply may take; after it the answer is "success".
	ReplyBudget time.Duration
	Dispatch    Dispatcher
	Dedup       Dedup
	// Observe, if set, hears every request.
	Observe func(Observation)
	// Late, if set, gets a reply that was ready only after the budget (to send it as a
	// customer-service message).
	Late func(m *Message, r *Reply)
	// Hash turns an OpenID into the short id Observation.User carries.
	Hash func(openID string) string
	// Now is the clock (default time.Now).
	Now func() time.Time

	// base is the context dispatches run in: it ends when Shutdown is called.
	once   sync.Once
	base   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// MaxCallbackBody is the largest request body the callback reads.
const MaxCallbackBody = 64 << 10

func (h *CallbackHandler) init() {
	h.once.Do(func() {
		h.base, h.cancel = context.WithCancel(context.Background())
		if h.Now == nil {
			h.Now = time.Now
		}
		if h.ReplyBudget <= 0 {
			h.ReplyBudget = 4 * time.Second
		}
	})
}

// Shutdown waits for dispatches still running (their replies kept and sent late) until ctx
// ends, then cancels them.
func (h *CallbackHandler) Shutdown(ctx context.Context) error {
	h.init()
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		h.cancel()
		return ctx.Err()
	}
}

func (h *CallbackHandler) observe(o Observation, start time.Time) {
	if h.Observe != nil {
		o.Latency = h.Now().Sub(start)
		h.Observe(o)
	}
}

func (h *CallbackHandler) fail(w http.ResponseWriter, status int, outcome string, o Observation, start time.Time) {
	o.Outcome = outcome
	h.observe(o, start)
	http.Error(w, http.StatusText(status), status)
}

// ServeHTTP implements http.Handler.
func (h *CallbackHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.init()
	start := h.Now()
	q := r.URL.Query()
	ts, nonce := q.Get("timestamp"), q.Get("nonce")
	var o Observation
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		h.fail(w, http.StatusMethodNotAllowed, "bad_request", o, start)
		return
	}
	// Plain mode is signed with signature; safe mode with msg_signature, checked once the
	// Encrypt value is read. A configured AES key does not stop plain-mode requests.
	aes := r.Method == http.MethodPost && q.Get("encrypt_type") == "aes"
	if !SignatureOK(q.Get("signature"), h.Token, ts, nonce) && (!aes || h.Crypter == nil) {
		h.fail(w, http.StatusUnauthorized, "bad_signature", o, start)
		return
	}
	if !h.fresh(ts) {
		h.fail(w, http.StatusUnauthorized, "stale", o, start)
		return
	}
	if r.Method == http.MethodGet {
		o.Outcome = "verified"
		h.observe(o, start)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, q.Get("echostr"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxCallbackBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			h.fail(w, http.StatusRequestEntityTooLarge, "too_large", o, start)
			return
		}
		h.fail(w, http.StatusBadRequest, "bad_request", o, start)
		return
	}
	m, safe, status, outcome := h.open(q, ts, nonce, body)
	if m == nil {
		h.fail(w, status, outcome, o, start)
		return
	}
	o.Type = m.MsgType
	if m.MsgType == "event" {
		o.Type = "event:" + m.Event
	}
	if h.Hash != nil && m.FromUserName != "" {
		o.User = h.Hash(m.FromUserName)
	}
	kept, outcome := h.answer(r.Context(), m, start)
	o.Outcome = outcome
	h.write(w, m, kept, safe, outcome)
	h.observe(o, start)
}

// fresh checks the timestamp against the clock.
func (h *CallbackHandler) fresh(ts string) bool {
	if h.MaxClockSkew <= 0 {
		return true
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return false
	}
	d := h.Now().Sub(time.Unix(sec, 0))
	return d <= h.MaxClockSkew && d >= -h.MaxClockSkew
}

// open verifies and parses a POST body: plain mode (signed with the token), or safe and
// compatible mode (msg_signature over the Encrypt value, decrypted with our keys).
func (h *CallbackHandler) open(q map[string][]string, ts, nonce string, body []byte) (m *Message, safe bool, status int, outcome string) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if get("encrypt_type") != "aes" || h.Crypter == nil {
		// Plain mode, or compatible mode without a key: the plaintext fields, which the
		// token signature covers.
		msg, err := ParseMessage(body)
		if err != nil {
			return nil, false, http.StatusBadRequest, "malformed"
		}
		return msg, false, 0, ""
	}
	env, err := ParseMessage(body)
	if err != nil || env.Encrypt == "" {
		return nil, false, http.StatusBadRequest, "malformed"
	}
	if !SignatureOK(get("msg_signature"), h.Token, ts, nonce, env.Encrypt) {
		return nil, false, http.StatusUnauthorized, "bad_signature"
	}
	plain, err := h.Crypter.Decrypt(env.Encrypt)
	if errors.Is(err, ErrWrongApp) {
		return nil, false, http.StatusUnauthorized, "wrong_app"
	}
	if err != nil {
		return nil, false, http.StatusUnauthorized, "bad_signature"
	}
	msg, err := ParseMessage(plain)
	if err != nil {
		return nil, false, http.StatusBadRequest, "malformed"
	}
	return msg, true, 0, ""
}

// answer returns the reply for m: the kept one for a retry, else the dispatcher's, within
// the budget.
func (h *CallbackHandler) answer(ctx context.Context, m *Message, start time.Time) (Kept, string) {
	deadline := start.Add(h.ReplyBudget)
	key := m.DedupKey()
	claimed, err := h.Dedup.Claim(ctx, key)
	if err != nil {
		// The dedup store is unreachable: answer anyway; a retry may then run twice.
		claimed = true
	}
	if !claimed {
		wctx, cancel := context.WithDeadline(ctx, deadline)
		defer cancel()
		k, err := h.Dedup.Wait(wctx, key)
		if err != nil {
			return Kept{}, "duplicate"
		}
		return k, "duplicate"
	}
	done := make(chan Kept, 1)
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		rep, err := h.Dispatch(h.base, m)
		if err != nil || rep == nil {
			rep = &Reply{}
		}
		k := Kept{Reply: rep, CreateTime: h.Now().Unix()}
		_ = h.Dedup.Complete(h.base, key, k)
		done <- k
	}()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case k := <-done:
		if k.Reply.Empty() {
			return k, "no_reply"
		}
		return k, "replied"
	case <-timer.C:
		if h.Late != nil {
			h.wg.Add(1)
			go func() {
				defer h.wg.Done()
				if k := <-done; !k.Reply.Empty() {
					h.Late(m, k.Reply)
				}
			}()
		}
		return Kept{}, "late"
	}
}

func (h *CallbackHandler) write(w http.ResponseWriter, m *Message, k Kept, safe bool, outcome string) {
	if k.Reply.Empty() {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "success")
		return
	}
	out := k.Reply.XML(m.FromUserName, m.ToUserName, k.CreateTime)
	if safe {
		ts := strconv.FormatInt(h.Now().Unix(), 10)
		nonce := strconv.FormatInt(h.Now().UnixNano()%1_000_000_000, 10)
		enc, err := h.Crypter.EncryptedReply(h.Token, out, ts, nonce)
		if err != nil {
			io.WriteString(w, "success")
			return
		}
		out = enc
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Write(out)
}

// MemoryDedup is a Dedup for one process. A reply is kept between TTL and twice TTL: keys
// live in two generations of maps, the older dropped whole every TTL, which costs nothing
// per message however many arrive (WeChat retries within 15 seconds).
type MemoryDedup struct {
	TTL time.Duration

	mu        sync.Mutex
	cur, prev map[string]*dedupEntry
	rotated   time.Time
	now       func() time.Time
}

type dedupEntry struct {
	kept Kept
	done bool
	wait chan struct{} // made only when a retry waits
}

// NewMemoryDedup returns an empty in-process Dedup.
func NewMemoryDedup(ttl time.Duration) *MemoryDedup {
	if ttl <= 0 {
		ttl = 15 * time.Second
	}
	return &MemoryDedup{TTL: ttl, cur: map[string]*dedupEntry{}, prev: map[string]*dedupEntry{}, now: time.Now, rotated: time.Now()}
}

// lookup finds key, rotating the generations when due; d.mu is held.
func (d *MemoryDedup) lookup(key string) *dedupEntry {
	now := d.now()
	if elapsed := now.Sub(d.rotated); elapsed >= d.TTL {
		if elapsed >= 2*d.TTL {
			d.prev = map[string]*dedupEntry{}
		} else {
			d.prev = d.cur
		}
		d.cur, d.rotated = make(map[string]*dedupEntry, len(d.prev)), now
	}
	if e, ok := d.cur[key]; ok {
		return e
	}
	return d.prev[key]
}

// Claim implements Dedup.
func (d *MemoryDedup) Claim(_ context.Context, key string) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.lookup(key) != nil {
		return false, nil
	}
	d.cur[key] = &dedupEntry{}
	return true, nil
}

// Complete implements Dedup.
func (d *MemoryDedup) Complete(_ context.Context, key string, k Kept) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.lookup(key)
	if e == nil {
		e = &dedupEntry{}
		d.cur[key] = e
	}
	if e.done {
		return nil // the first reply stays
	}
	e.kept, e.done = k, true
	if e.wait != nil {
		close(e.wait)
	}
	return nil
}

// Wait implements Dedup.
func (d *MemoryDedup) Wait(ctx context.Context, key string) (Kept, error) {
	d.mu.Lock()
	e := d.lookup(key)
	if e == nil {
		d.mu.Unlock()
		return Kept{}, ErrPending
	}
	if e.done {
		k := e.kept
		d.mu.Unlock()
		return k, nil
	}
	if e.wait == nil {
		e.wait = make(chan struct{})
	}
	wait := e.wait
	d.mu.Unlock()
	select {
	case <-wait:
		d.mu.Lock()
		defer d.mu.Unlock()
		return e.kept, nil
	case <-ctx.Done():
		return Kept{}, ErrPending
	}
}

// Len is how many messages are kept.
func (d *MemoryDedup) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.cur) + len(d.prev)
}

package wechat

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// The message callback (platform doc §3): verify the request (signatures, timestamp,
// replays, size), open it (plain, compatible or safe mode), dispatch it once across
// WeChat's retries, and write the reply within the budget.
//
// WeChat API docs: https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Access_Overview.html

// Dispatcher answers a message. It runs apart from the request, so it may outlast the
// reply budget; its context ends only when the server shuts down.
type Dispatcher func(ctx context.Context, m *Message) (*Reply, error)

// Observation is what the server tells about each request, for metrics and logs. It holds
// no message content and no OpenID, and its strings come from fixed sets, so that a flood
// of made-up message types cannot grow a metric without bound.
type Observation struct {
	// Type is the message type from a fixed set ("text", "image", "event:subscribe"…;
	// "other" or "event:other" for anything else), "" when unknown.
	Type string
	// Outcome: "replied", "no_reply", "duplicate" (a retry answered with the kept reply),
	// "replay" (the same signed request again: the kept reply or "success", never a second
	// dispatch), "late" (answered "success" after the budget), "verified" (GET),
	// "bad_signature", "wrong_app", "stale", "too_large", "malformed", "bad_request",
	// "encrypted_refused" (an encrypted message in plain mode), "plaintext_refused" (a
	// plaintext message in safe mode).
	Outcome string
	Latency time.Duration
	// User is a short hash of the sender's OpenID ("" when unknown).
	User string
}

// EncodingMode is the callback's 消息加解密方式, as chosen in the MP backend.
type EncodingMode string

// The three encoding modes.
const (
	// ModePlain (明文模式) accepts plaintext messages signed with the token and refuses
	// encrypted ones.
	ModePlain EncodingMode = "plain"
	// ModeCompat (兼容模式) accepts both; an encrypted one must carry a valid msg_signature.
	ModeCompat EncodingMode = "compat"
	// ModeSafe (安全模式) accepts only messages covered by a valid msg_signature and
	// encrypted with the account's key: a plaintext body is refused whatever its signature,
	// since the signature of plain mode does not cover the body.
	ModeSafe EncodingMode = "safe"
)

// ReplayGuard remembers signed requests, so that the same request sent again is never
// dispatched a second time. In-memory for one replica; Redis-backed for several.
type ReplayGuard interface {
	// First records key for ttl and reports whether it is new.
	First(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Admitter does a request's replay check and its message's dedup claim in one step: a
// shared store answers both in one round trip. A Dedup that has it is used so, when the
// handler's Replays is the same store's (Admitter.Replays reports it).
type Admitter interface {
	// Admit records replayKey for replayTTL and, when it is new, claims dedupKey. first
	// is false for a replayed request, claimed false for a retry; kept is the reply kept
	// for the message when it was not claimed and a reply is there already.
	Admit(ctx context.Context, replayKey string, replayTTL time.Duration, dedupKey string) (first, claimed bool, kept *Kept, err error)
	// Guards reports whether r is the replay guard Admit records into.
	Guards(r ReplayGuard) bool
}

// CallbackHandler is the message callback: verify → parse → dispatch → reply.
type CallbackHandler struct {
	// Token is the callback token; every request must be signed with it.
	Token string
	// Mode is the encoding mode; "" is ModeSafe with a Crypter and ModePlain without.
	Mode EncodingMode
	// Crypter opens encrypted messages (compat and safe mode).
	Crypter *Crypter
	// MaxClockSkew refuses requests whose timestamp is further than this from now
	// (0: no check).
	MaxClockSkew time.Duration
	// ReplyBudget is how long a reply may take; after it the answer is "success".
	ReplyBudget time.Duration
	Dispatch    Dispatcher
	// AtOnce, if set, answers a message without waiting from answers already made (false
	// when it cannot, and Dispatch answers). Such an answer needs no goroutine and timer
	// of its own to keep the budget: at a few microseconds a message, starting them cost
	// more than the answer.
	AtOnce func(m *Message) (*Reply, bool)
	Dedup  Dedup
	// Replays remembers the requests already accepted (nil: in this process only).
	Replays ReplayGuard
	// Observe, if set, hears every request.
	Observe func(Observation)
	// Late, if set, gets a reply that was ready only after the budget (to send it as a
	// customer-service message).
	Late func(m *Message, r *Reply)
	// Hash turns an OpenID into the short id Observation.User carries.
	Hash func(openID string) string
	// Warn, if set, hears a misconfiguration the requests reveal (an encrypted message
	// reaching a plain-mode server), once per kind.
	Warn func(msg string)
	// Now is the clock (default time.Now).
	Now func() time.Time

	// base is the context dispatches run in: it ends when Shutdown is called.
	once   sync.Once
	base   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	warned sync.Map // warning kinds already told
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
		if h.Mode == "" {
			h.Mode = ModePlain
			if h.Crypter != nil {
				h.Mode = ModeSafe
			}
		}
		if h.Replays == nil {
			h.Replays = NewMemoryReplays()
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

// warnOnce tells Warn about a misconfiguration the first time it shows.
func (h *CallbackHandler) warnOnce(kind, msg string) {
	if _, told := h.warned.LoadOrStore(kind, true); !told && h.Warn != nil {
		h.Warn(msg)
	}
}

// ReplayWindow is how long an accepted request is remembered: as long as its timestamp
// stays acceptable (twice the clock skew, since it may arrive early or late), or ten
// minutes when the clock check is off.
func (h *CallbackHandler) ReplayWindow() time.Duration {
	if h.MaxClockSkew <= 0 {
		return 10 * time.Minute
	}
	return 2*h.MaxClockSkew + 5*time.Second
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
	// The URL's signature covers the token, timestamp and nonce, never the body; an
	// encrypted message is covered by msg_signature, checked once its Encrypt is read.
	encrypted := r.Method == http.MethodPost && q.Get("encrypt_type") == "aes"
	signed := SignatureOK(q.Get("signature"), h.Token, ts, nonce)
	switch {
	case encrypted && (h.Mode == ModePlain || h.Crypter == nil):
		if signed {
			h.warnOnce("encrypted", encryptedInPlainMode)
			h.fail(w, http.StatusBadRequest, "encrypted_refused", o, start)
			return
		}
		h.fail(w, http.StatusUnauthorized, "bad_signature", o, start)
		return
	case r.Method == http.MethodPost && !encrypted && h.Mode == ModeSafe:
		h.fail(w, http.StatusUnauthorized, "plaintext_refused", o, start)
		return
	case !encrypted && !signed:
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
	body, err := readBody(w, r)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			h.fail(w, http.StatusRequestEntityTooLarge, "too_large", o, start)
			return
		}
		h.fail(w, http.StatusBadRequest, "bad_request", o, start)
		return
	}
	var m *Message
	var status int
	var outcome string
	if encrypted {
		m, status, outcome = h.openEncrypted(q.Get("msg_signature"), ts, nonce, body)
	} else {
		m, status, outcome = h.openPlain(body)
	}
	if m == nil {
		h.fail(w, status, outcome, o, start)
		return
	}
	o.Type = messageType(m)
	if h.Hash != nil && m.FromUserName != "" {
		o.User = h.Hash(m.FromUserName)
	}
	replayKey := keyHash(ts, nonce, q.Get("signature"), q.Get("msg_signature"))
	var kept Kept
	if ad, ok := h.Dedup.(Admitter); ok && ad.Guards(h.Replays) {
		kept, outcome = h.admitted(r.Context(), ad, replayKey, m, start)
	} else {
		first, err := h.Replays.First(r.Context(), replayKey, h.ReplayWindow())
		if err == nil && !first {
			// The same signed request again: whatever was kept for its message, or nothing.
			kept, _ = h.kept(r.Context(), keyHash(m.DedupKey()), start)
			outcome = "replay"
		} else {
			kept, outcome = h.answer(r.Context(), m, start, false)
		}
	}
	o.Outcome = outcome
	h.write(w, m, kept, encrypted, outcome)
	h.observe(o, start)
}

// encryptedInPlainMode is the misconfiguration an encrypted message reveals to a server
// that cannot open it.
const encryptedInPlainMode = "an encrypted message reached the callback, which is in plain mode: set wechat.aes_key and wechat.encoding_mode as chosen in the MP backend (消息加解密方式); encrypted messages are refused until then"

// keyHash is a fixed-size key of its parts: bounded memory for any input, and no
// follower's OpenID in a key that leaves the process.
func keyHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:16])
}

// messageTypes are the message types and events observed by name; others are "other".
var messageTypes = map[string]bool{
	"text": true, "image": true, "voice": true, "video": true, "shortvideo": true, "location": true, "link": true, "file": true,
	"event:subscribe": true, "event:unsubscribe": true, "event:SCAN": true, "event:LOCATION": true, "event:CLICK": true,
	"event:VIEW": true, "event:view_miniprogram": true, "event:scancode_push": true, "event:scancode_waitmsg": true,
	"event:pic_sysphoto": true, "event:pic_photo_or_album": true, "event:pic_weixin": true, "event:location_select": true,
	"event:PUBLISHJOBFINISH": true, "event:MASSSENDJOBFINISH": true, "event:TEMPLATESENDJOBFINISH": true,
}

// messageType names m's type from a fixed set.
func messageType(m *Message) string {
	t := m.MsgType
	if t == "event" {
		t = "event:" + m.Event
		if !messageTypes[t] {
			return "event:other"
		}
		return t
	}
	if !messageTypes[t] {
		return "other"
	}
	return t
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

// openPlain parses a plaintext body (plain mode, or compatible mode's plaintext). The URL's
// signature was checked; an Encrypt element in it is refused in plain mode, where there is
// no key to open it with.
func (h *CallbackHandler) openPlain(body []byte) (*Message, int, string) {
	m, err := ParseMessage(body)
	if err != nil {
		return nil, http.StatusBadRequest, "malformed"
	}
	if m.Encrypt != "" && h.Mode == ModePlain {
		h.warnOnce("encrypted", encryptedInPlainMode)
		return nil, http.StatusBadRequest, "encrypted_refused"
	}
	return m, 0, ""
}

// openEncrypted verifies msg_signature over the Encrypt value and decrypts it with our keys.
func (h *CallbackHandler) openEncrypted(msgSignature, ts, nonce string, body []byte) (*Message, int, string) {
	env, err := ParseMessage(body)
	if err != nil || env.Encrypt == "" {
		return nil, http.StatusBadRequest, "malformed"
	}
	if !SignatureOK(msgSignature, h.Token, ts, nonce, env.Encrypt) {
		return nil, http.StatusUnauthorized, "bad_signature"
	}
	plain, err := h.Crypter.Decrypt(env.Encrypt)
	if errors.Is(err, ErrWrongApp) {
		return nil, http.StatusUnauthorized, "wrong_app"
	}
	if err != nil {
		return nil, http.StatusUnauthorized, "bad_signature"
	}
	m, err := ParseMessage(plain)
	if err != nil {
		return nil, http.StatusBadRequest, "malformed"
	}
	return m, 0, ""
}

// kept returns the reply kept under a message's dedup key, waiting for it within the
// budget.
func (h *CallbackHandler) kept(ctx context.Context, key string, start time.Time) (Kept, error) {
	wctx, cancel := context.WithDeadline(ctx, start.Add(h.ReplyBudget))
	defer cancel()
	return h.Dedup.Wait(wctx, key)
}

// admitted does the replay check and the claim in one step, then answers as answer does.
func (h *CallbackHandler) admitted(ctx context.Context, ad Admitter, replayKey string, m *Message, start time.Time) (Kept, string) {
	key := keyHash(m.DedupKey())
	first, claimed, kept, err := ad.Admit(ctx, replayKey, h.ReplayWindow(), key)
	switch {
	case err != nil:
		// The store is unreachable: answer anyway; a retry may then run twice.
		return h.answer(ctx, m, start, true)
	case !first, !claimed:
		outcome := "duplicate"
		if !first {
			outcome = "replay"
		}
		if kept != nil {
			return *kept, outcome
		}
		k, _ := h.kept(ctx, key, start)
		return k, outcome
	}
	return h.answer(ctx, m, start, true)
}

// answer returns the reply for m: the kept one for a retry, else the dispatcher's, within
// the budget. claimed says the message is claimed already (by Admit).
func (h *CallbackHandler) answer(ctx context.Context, m *Message, start time.Time, claimed bool) (Kept, string) {
	deadline := start.Add(h.ReplyBudget)
	key := keyHash(m.DedupKey())
	if !claimed {
		var err error
		claimed, err = h.Dedup.Claim(ctx, key)
		if err != nil {
			// The dedup store is unreachable: answer anyway; a retry may then run twice.
			claimed = true
		}
	}
	if !claimed {
		k, _ := h.kept(ctx, key, start)
		return k, "duplicate"
	}
	if h.AtOnce != nil {
		if rep, ok := h.AtOnce(m); ok {
			k := h.made(rep)
			_ = h.Dedup.Complete(h.base, key, k)
			return sent(k)
		}
	}
	done := make(chan Kept, 1)
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		rep, err := h.Dispatch(h.base, m)
		if err != nil {
			rep = nil
		}
		k := h.made(rep)
		// The reply goes out first; keeping it for retries (a store's round trip) need
		// not hold it up: WeChat retries after 5 s.
		done <- k
		_ = h.Dedup.Complete(h.base, key, k)
	}()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case k := <-done:
		return sent(k)
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

// made is a reply as it is kept and sent: stamped now, and nothing (not nil) for none.
func (h *CallbackHandler) made(rep *Reply) Kept {
	if rep == nil {
		rep = &Reply{}
	}
	return Kept{Reply: rep, CreateTime: h.Now().Unix()}
}

// sent names the outcome of a reply made within the budget.
func sent(k Kept) (Kept, string) {
	if k.Reply.Empty() {
		return k, "no_reply"
	}
	return k, "replied"
}

func (h *CallbackHandler) write(w http.ResponseWriter, m *Message, k Kept, encrypted bool, outcome string) {
	if k.Reply.Empty() {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "success")
		return
	}
	out := k.Reply.XML(m.FromUserName, m.ToUserName, k.CreateTime)
	if encrypted {
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

// readBody reads a callback's body, at most MaxCallbackBody (then an
// *http.MaxBytesError). With a Content-Length it reads into a buffer of that size at once:
// io.ReadAll's growing buffer was a twentieth of a reply's allocations.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, MaxCallbackBody)
	if n := r.ContentLength; n > 0 && n <= MaxCallbackBody {
		buf := make([]byte, n+1) // one more, to see a body longer than it said
		m, err := io.ReadFull(body, buf)
		switch {
		case err == io.ErrUnexpectedEOF && int64(m) == n:
			return buf[:m], nil
		case err == io.ErrUnexpectedEOF:
			return nil, io.ErrUnexpectedEOF // shorter than it said
		case err != nil:
			return nil, err
		}
		// Longer than it said: read on, within the limit.
		rest, err := io.ReadAll(body)
		return append(buf, rest...), err
	}
	return io.ReadAll(body)
}

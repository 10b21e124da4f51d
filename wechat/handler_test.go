package wechat_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"wxpub/wechat"
	"wxpub/wechat/follower"
)

const (
	token  = "cbtoken"
	appID  = "wx134c8103faa5a59e"
	aesKey = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	oldKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
)

// rig is a callback handler on a test server, with a dispatcher that counts its calls.
type rig struct {
	h      *wechat.CallbackHandler
	srv    *httptest.Server
	calls  atomic.Int32
	mu     sync.Mutex
	seen   []*wechat.Message
	obs    []wechat.Observation
	delay  time.Duration
	late   chan *wechat.Reply
	answer func(*wechat.Message) *wechat.Reply
}

func newRig(t *testing.T, crypter *wechat.Crypter) *rig {
	t.Helper()
	r := &rig{late: make(chan *wechat.Reply, 4)}
	r.answer = func(m *wechat.Message) *wechat.Reply {
		if m.MsgType == "text" {
			return &wechat.Reply{Text: "you said " + m.Content}
		}
		return &wechat.Reply{}
	}
	mode := wechat.ModePlain
	if crypter != nil {
		mode = wechat.ModeCompat // accepts all three kinds of follower
	}
	r.h = &wechat.CallbackHandler{
		Token: token, Mode: mode, Crypter: crypter, MaxClockSkew: 5 * time.Minute, ReplyBudget: 300 * time.Millisecond,
		Dedup: wechat.NewMemoryDedup(time.Minute),
		Dispatch: func(ctx context.Context, m *wechat.Message) (*wechat.Reply, error) {
			r.calls.Add(1)
			r.mu.Lock()
			r.seen = append(r.seen, m)
			d := r.delay
			r.mu.Unlock()
			time.Sleep(d)
			return r.answer(m), nil
		},
		Observe: func(o wechat.Observation) { r.mu.Lock(); r.obs = append(r.obs, o); r.mu.Unlock() },
		Late:    func(m *wechat.Message, rep *wechat.Reply) { r.late <- rep },
		Hash:    func(id string) string { return "h" + id[len(id)-4:] },
	}
	r.srv = httptest.NewServer(r.h)
	t.Cleanup(r.srv.Close)
	return r
}

func (r *rig) follower(mode follower.Mode) *follower.Follower {
	f := follower.New(r.srv.URL, token, mode)
	f.AppID, f.AESKey = appID, aesKey
	return f
}

func (r *rig) lastOutcome() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.obs) == 0 {
		return ""
	}
	return r.obs[len(r.obs)-1].Outcome
}

func crypter(t *testing.T, current, previous string) *wechat.Crypter {
	t.Helper()
	c, err := wechat.NewCrypter(appID, current, previous)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func post(t *testing.T, u string, body []byte) (int, []byte) {
	t.Helper()
	resp, err := http.Post(u, "text/xml", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, data
}

// V6 (the official safe-mode message) through the real handler.
func TestVectorV6ThroughHandler(t *testing.T) {
	r := newRig(t, crypter(t, aesKey, ""))
	r.h.Token = "AAAAA"
	r.h.MaxClockSkew = 0 // the vector's timestamp is from 2024
	body := `<xml><ToUserName><![CDATA[gh_97417a04a28d]]></ToUserName><Encrypt><![CDATA[D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7oAbqjDv8KenVp+ajKYpJnyQ4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFhizGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYzecSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHxMeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4FUL/TK7ShriFDMVCLyjQJ15Ob++agDWtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFHTYe0Mg==]]></Encrypt></xml>`
	q := "?signature=cc0c594499c1634947d5b502f158ee518947db27&timestamp=1715943329&nonce=1590219412&openid=o9AgO5Kd5ggOC-bXrbNODIiE3bGY&encrypt_type=aes&msg_signature=6c12a4205838198b8fa631b3220723bb07f1015c"
	status, data := post(t, r.srv.URL+q, []byte(body))
	if status != 200 || string(data) != "success" {
		t.Fatalf("V6: %d %s", status, data)
	}
	if len(r.seen) != 1 || r.seen[0].FromUserName != "o9AgO5Kd5ggOC-bXrbNODIiE3bGY" || r.seen[0].Event != "debug_demo" || r.seen[0].CreateTime != 1715943329 {
		t.Errorf("decrypted message = %+v", r.seen)
	}
	// The same with the msg_signature forged by one digit: refused, nothing processed.
	status, _ = post(t, r.srv.URL+strings.Replace(q, "msg_signature=6c12", "msg_signature=7c12", 1), []byte(body))
	if status != 401 || r.calls.Load() != 1 {
		t.Errorf("forged msg_signature: %d, %d dispatches", status, r.calls.Load())
	}
}

// V10 (the official plain signature) through the handler's URL verification.
func TestVectorV10Verification(t *testing.T) {
	r := newRig(t, nil)
	r.h.Token = "AAAAA"
	r.h.MaxClockSkew = 0
	for _, c := range []struct {
		sig    string
		status int
		body   string
	}{
		{"899cf89e464efb63f54ddac96b0a0a235f53aa78", 200, "echo 1714037059+x"},
		{"899cf89e464efb63f54ddac96b0a0a235f53aa79", 401, "Unauthorized\n"},
	} {
		resp, err := http.Get(r.srv.URL + "?signature=" + c.sig + "&timestamp=1714037059&nonce=486452656&echostr=" + url.QueryEscape("echo 1714037059+x"))
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.status || string(data) != c.body {
			t.Errorf("GET with %s: %d %q", c.sig, resp.StatusCode, data)
		}
	}
}

// V1 (the official encryption sample) through the handler: its message opens with the
// key, though it is not XML.
func TestVectorV1ThroughHandler(t *testing.T) {
	c, err := wechat.NewCrypter("wxb11529c136998cb6", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "")
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, c)
	r.h.Token = "pamtest"
	enc := "jn1L23DB+6ELqJ+6bruv21Y6MD7KeIfP82D6gU39rmkgczbWwt5+3bnyg5K55bgVtVzd832WzZGMhkP72vVOfg=="
	ts := fmt.Sprint(time.Now().Unix())
	q := "?timestamp=" + ts + "&nonce=1&encrypt_type=aes&msg_signature=" + wechat.Signature("pamtest", ts, "1", enc)
	status, _ := post(t, r.srv.URL+q, []byte("<xml><Encrypt><![CDATA["+enc+"]]></Encrypt></xml>"))
	if status != 400 || r.lastOutcome() != "malformed" {
		t.Errorf("V1: %d %s (want it decrypted, then refused as not XML)", status, r.lastOutcome())
	}
}

func TestModes(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, crypter(t, aesKey, oldKey))
	for _, mode := range []follower.Mode{follower.Plain, follower.Compatible, follower.Safe} {
		f := r.follower(mode)
		resp, err := f.Text(ctx, "个人信息")
		if err != nil {
			t.Fatalf("mode %d: %v", mode, err)
		}
		if resp.Status != 200 || resp.Reply == nil || resp.Reply.Content != "you said 个人信息" || resp.Reply.ToUserName != f.OpenID || resp.Reply.MsgType != "text" {
			t.Errorf("mode %d: %+v", mode, resp)
		}
	}
	// The previous key still opens messages while WeChat moves to the new one.
	f := r.follower(follower.Safe)
	f.AESKey = oldKey
	if resp, err := f.Text(ctx, "old key"); err == nil || resp.Status != 200 {
		// The reply comes back under the current key, which this follower lacks.
		t.Errorf("previous key: %+v %v", resp, err)
	}
	if r.seen[len(r.seen)-1].Content != "old key" {
		t.Error("a message under the previous key was not read")
	}
}

func TestRefusals(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, crypter(t, aesKey, ""))
	f := r.follower(follower.Plain)
	send := func(u string, body []byte) int {
		status, _ := post(t, u, body)
		return status
	}
	u, body, _ := f.Prepare(f.TextMessage("hi"))
	cases := []struct {
		name    string
		url     string
		body    []byte
		status  int
		outcome string
	}{
		{"forged signature", strings.Replace(u, "signature=", "signature=0", 1), body, 401, "bad_signature"},
		{"no signature", r.srv.URL + "?timestamp=1&nonce=2", body, 401, "bad_signature"},
		{"oversized body", u, bytes.Repeat([]byte("x"), wechat.MaxCallbackBody+1), 413, "too_large"},
		{"malformed XML", u, []byte("<xml><Content>unclosed"), 400, "malformed"},
		{"not XML", u, []byte(`{"json":true}`), 400, "malformed"},
	}
	for _, c := range cases {
		if got := send(c.url, c.body); got != c.status || r.lastOutcome() != c.outcome {
			t.Errorf("%s: %d %s, want %d %s", c.name, got, r.lastOutcome(), c.status, c.outcome)
		}
	}
	// A stale timestamp: a replay.
	f.Now = func() time.Time { return time.Now().Add(-6 * time.Minute) }
	if resp, _ := f.Text(ctx, "old"); resp.Status != 401 || r.lastOutcome() != "stale" {
		t.Errorf("stale: %d %s", resp.Status, r.lastOutcome())
	}
	// Safe mode from another account (same key, other AppID).
	other := follower.New(r.srv.URL, token, follower.Safe)
	other.AppID, other.AESKey = "wxsomeoneelse00000", aesKey
	if resp, _ := other.Text(ctx, "hi"); resp.Status != 401 || r.lastOutcome() != "wrong_app" {
		t.Errorf("wrong appid: %d %s", resp.Status, r.lastOutcome())
	}
	if r.calls.Load() != 0 {
		t.Errorf("%d messages processed from refused requests", r.calls.Load())
	}
	req, _ := http.NewRequest(http.MethodPut, u, bytes.NewReader(body))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 405 {
		t.Errorf("PUT: %v %v", resp.StatusCode, err)
	}
	// With the clock check off, the old timestamp passes.
	r.h.MaxClockSkew = 0
	if resp, _ := f.Text(ctx, "old"); resp.Status != 200 {
		t.Errorf("skew 0: %d", resp.Status)
	}
}

func TestRetryGetsTheKeptReply(t *testing.T) {
	ctx := context.Background()
	for _, mode := range []follower.Mode{follower.Plain, follower.Safe} {
		r := newRig(t, crypter(t, aesKey, ""))
		r.answer = func(m *wechat.Message) *wechat.Reply {
			return &wechat.Reply{Text: fmt.Sprintf("answer %d", r.calls.Load())}
		}
		f := r.follower(mode)
		msg := f.TextMessage("个人信息")
		first, err := f.Send(ctx, msg)
		if err != nil {
			t.Fatal(err)
		}
		second, err := f.Send(ctx, msg) // WeChat's retry: same MsgId, new signature
		if err != nil {
			t.Fatal(err)
		}
		if r.calls.Load() != 1 {
			t.Errorf("mode %d: the work ran %d times", mode, r.calls.Load())
		}
		if !bytes.Equal(first.Reply.Raw, second.Reply.Raw) || first.Reply.Content != "answer 1" {
			t.Errorf("mode %d: retry got %q, first %q", mode, second.Reply.Raw, first.Reply.Raw)
		}
		if r.lastOutcome() != "duplicate" {
			t.Errorf("mode %d: outcome %s", mode, r.lastOutcome())
		}
		// A different message from the same follower is new work.
		if third, _ := f.Text(ctx, "个人信息"); third.Reply.Content != "answer 2" {
			t.Errorf("mode %d: a new MsgId was answered from the cache: %+v", mode, third.Reply)
		}
	}
}

// Retries that arrive while the first delivery is still being answered wait for it.
func TestRetryDuringTheFirstAnswer(t *testing.T) {
	r := newRig(t, nil)
	r.delay = 150 * time.Millisecond
	f := r.follower(follower.Plain)
	msg := f.TextMessage("slowish")
	var wg sync.WaitGroup
	replies := make([]string, 3)
	for i := range replies {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			time.Sleep(time.Duration(i) * 20 * time.Millisecond)
			resp, err := f.Send(context.Background(), msg)
			if err != nil || resp.Reply == nil {
				t.Errorf("delivery %d: %+v %v", i, resp, err)
				return
			}
			replies[i] = string(resp.Reply.Raw)
		}(i)
	}
	wg.Wait()
	if r.calls.Load() != 1 || replies[0] != replies[1] || replies[1] != replies[2] {
		t.Errorf("%d dispatches; replies %q", r.calls.Load(), replies)
	}
}

func TestSlowAnswerIsSuccessThenSentLate(t *testing.T) {
	r := newRig(t, nil)
	r.delay = 1500 * time.Millisecond // the budget is 300 ms
	f := r.follower(follower.Plain)
	start := time.Now()
	resp, err := f.Text(context.Background(), "slow")
	if err != nil {
		t.Fatal(err)
	}
	// Answered at the budget, well before the answer is ready.
	if !resp.Success || time.Since(start) > time.Second || r.lastOutcome() != "late" {
		t.Errorf("slow answer: %+v after %s (%s)", resp, time.Since(start), r.lastOutcome())
	}
	select {
	case rep := <-r.late:
		if rep.Text != "you said slow" {
			t.Errorf("late reply %+v", rep)
		}
	case <-time.After(5 * time.Second):
		t.Error("the late reply was not handed on")
	}
	if err := r.h.Shutdown(context.Background()); err != nil {
		t.Error(err)
	}
}

func TestObservationsHoldNoContent(t *testing.T) {
	r := newRig(t, nil)
	f := r.follower(follower.Plain)
	f.OpenID = "oSecretOpenID000000000000001"
	if _, err := f.Text(context.Background(), "secret words"); err != nil {
		t.Fatal(err)
	}
	o := r.obs[len(r.obs)-1]
	if o.Type != "text" || o.Outcome != "replied" || o.User != "h0001" || o.Latency <= 0 {
		t.Errorf("observation = %+v", o)
	}
	if s := fmt.Sprintf("%+v", o); strings.Contains(s, "secret") || strings.Contains(s, "oSecretOpenID") {
		t.Errorf("observation leaks: %s", s)
	}
}

func TestMemoryDedupExpires(t *testing.T) {
	d := wechat.NewMemoryDedup(20 * time.Millisecond)
	ctx := context.Background()
	if ok, _ := d.Claim(ctx, "a"); !ok {
		t.Fatal("first claim refused")
	}
	if ok, _ := d.Claim(ctx, "a"); ok {
		t.Fatal("second claim accepted")
	}
	d.Complete(ctx, "a", wechat.Kept{Reply: &wechat.Reply{Text: "x"}, CreateTime: 1})
	d.Complete(ctx, "a", wechat.Kept{Reply: &wechat.Reply{Text: "y"}, CreateTime: 2})
	if k, err := d.Wait(ctx, "a"); err != nil || k.Reply.Text != "x" {
		t.Errorf("kept %+v %v: the first reply must stay", k, err)
	}
	// Kept for at least the TTL, gone after twice the TTL.
	time.Sleep(25 * time.Millisecond)
	if ok, _ := d.Claim(ctx, "a"); ok {
		t.Error("forgotten within twice the TTL")
	}
	time.Sleep(45 * time.Millisecond)
	if ok, _ := d.Claim(ctx, "b"); !ok || d.Len() != 1 {
		t.Errorf("expired entries kept: %d", d.Len())
	}
}

// FuzzCallback: no request makes the handler panic or answer outside 200, 400, 401, 413.
func FuzzCallback(f *testing.F) {
	c, _ := wechat.NewCrypter(appID, aesKey, "")
	fl := follower.New("http://x/wechat", token, follower.Safe)
	fl.AppID, fl.AESKey = appID, aesKey
	for _, m := range []string{fl.TextMessage("个人信息"), fl.EventMessage("subscribe", "qrscene_1"), "<xml><Encrypt>AAAA</Encrypt></xml>", "<xml>", ""} {
		u, body, _ := fl.Prepare(m)
		f.Add(strings.SplitN(u, "?", 2)[1], body)
		f.Add("", []byte(m))
	}
	h := &wechat.CallbackHandler{Token: token, Crypter: c, ReplyBudget: time.Second, Dedup: wechat.NewMemoryDedup(time.Minute),
		Dispatch: func(ctx context.Context, m *wechat.Message) (*wechat.Reply, error) {
			return &wechat.Reply{Text: m.Content}, nil
		}}
	f.Fuzz(func(t *testing.T, query string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/wechat?"+query, bytes.NewReader(body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch w.Code {
		case 200, 400, 401, 413:
		default:
			t.Fatalf("status %d", w.Code)
		}
		if w.Code == 200 && w.Body.String() != "success" {
			if err := xml.Unmarshal(w.Body.Bytes(), new(struct{})); err != nil {
				t.Fatalf("reply is not well-formed XML: %v: %q", err, w.Body.Bytes())
			}
		}
	})
}

// Safe mode refuses every body not covered by a valid msg_signature: a plaintext message
// carrying only a captured signature/timestamp/nonce is not let in.
func TestSafeModeRefusesPlaintext(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, crypter(t, aesKey, ""))
	r.h.Mode = wechat.ModeSafe
	plain := r.follower(follower.Plain)
	resp, err := plain.Text(ctx, "forged")
	if err != nil || resp.Status != 401 || r.lastOutcome() != "plaintext_refused" {
		t.Errorf("plaintext in safe mode: %+v %v %s", resp, err, r.lastOutcome())
	}
	// A compatible-mode body carries plaintext fields beside the Encrypt: only the
	// encrypted part counts.
	for _, mode := range []follower.Mode{follower.Safe, follower.Compatible} {
		resp, err := r.follower(mode).Text(ctx, "个人信息")
		if err != nil || resp.Status != 200 || resp.Reply == nil || resp.Reply.Content != "you said 个人信息" {
			t.Errorf("mode %d in safe mode: %+v %v", mode, resp, err)
		}
	}
	// A captured encrypted request's URL with a plaintext body of one's own.
	f := r.follower(follower.Safe)
	u, _, _ := f.Prepare(f.TextMessage("real"))
	if status, _ := post(t, u, []byte(plain.TextMessage("injected"))); status != 400 && status != 401 {
		t.Errorf("captured URL with a plaintext body: %d", status)
	}
	if r.calls.Load() != 2 {
		t.Errorf("%d dispatches, want the 2 encrypted messages only", r.calls.Load())
	}
}

// Plain mode refuses encrypted messages and says once that the server is misconfigured,
// instead of answering them all in plaintext under one empty message.
func TestPlainModeRefusesEncrypted(t *testing.T) {
	ctx := context.Background()
	r := newRig(t, nil)
	var warnings []string
	r.h.Warn = func(msg string) { warnings = append(warnings, msg) }
	f := r.follower(follower.Safe)
	for i := 0; i < 3; i++ {
		resp, err := f.Text(ctx, "个人信息")
		if err != nil || resp.Status != 400 || r.lastOutcome() != "encrypted_refused" {
			t.Errorf("encrypted in plain mode: %+v %v %s", resp, err, r.lastOutcome())
		}
	}
	// An Encrypt element without encrypt_type: refused the same way.
	u, body, _ := r.follower(follower.Plain).Prepare("<xml><ToUserName><![CDATA[gh_x]]></ToUserName><Encrypt><![CDATA[AAAA]]></Encrypt></xml>")
	if status, _ := post(t, u, body); status != 400 || r.lastOutcome() != "encrypted_refused" {
		t.Errorf("an Encrypt body in plain mode: %d %s", status, r.lastOutcome())
	}
	if r.calls.Load() != 0 {
		t.Errorf("%d encrypted messages dispatched", r.calls.Load())
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "wechat.encoding_mode") {
		t.Errorf("warnings = %q, want one naming the setting", warnings)
	}
	// Unsigned encrypted junk is not a misconfiguration worth a log line: it is refused.
	if status, _ := post(t, r.srv.URL+"?timestamp=1&nonce=2&encrypt_type=aes", body); status != 401 {
		t.Errorf("unsigned: %d", status)
	}
}

// The same signed request sent again is never dispatched again: it gets the kept reply,
// and a captured URL with another body gets nothing.
func TestReplayIsNotDispatchedAgain(t *testing.T) {
	for _, mode := range []follower.Mode{follower.Plain, follower.Safe} {
		r := newRig(t, crypter(t, aesKey, ""))
		f := r.follower(mode)
		u, body, _ := f.Prepare(f.TextMessage("个人信息"))
		first, err := f.Post(context.Background(), u, body)
		if err != nil || first.Reply == nil {
			t.Fatalf("mode %d: %+v %v", mode, first, err)
		}
		again, err := f.Post(context.Background(), u, body)
		if err != nil || again.Reply == nil || !bytes.Equal(again.Reply.Raw, first.Reply.Raw) || r.lastOutcome() != "replay" {
			t.Errorf("mode %d: replay got %+v %v (%s)", mode, again, err, r.lastOutcome())
		}
		// The captured URL with a new message: not dispatched.
		_, other, _ := f.Prepare(f.TextMessage("something else"))
		if mode == follower.Plain {
			resp, err := f.Post(context.Background(), u, other)
			if err != nil || !resp.Success || r.lastOutcome() != "replay" {
				t.Errorf("mode %d: captured URL, new body: %+v %v %s", mode, resp, err, r.lastOutcome())
			}
		}
		if r.calls.Load() != 1 {
			t.Errorf("mode %d: %d dispatches, want 1", mode, r.calls.Load())
		}
	}
}

func TestMemoryReplaysForgetAfterTheWindow(t *testing.T) {
	g := wechat.NewMemoryReplays()
	ctx := context.Background()
	// Keys as the handler makes them (16 bytes in hex) are told apart like any other.
	a, b := strings.Repeat("0a", 16), strings.Repeat("0a", 15)+"0b"
	for _, c := range []struct {
		key   string
		first bool
	}{{a, true}, {b, true}, {a, false}, {b, false}, {strings.Repeat("zz", 16), true}} {
		if ok, _ := g.First(ctx, c.key, time.Minute); ok != c.first {
			t.Errorf("First(%s) = %v, want %v", c.key, ok, c.first)
		}
	}
	if ok, _ := g.First(ctx, "k", 20*time.Millisecond); !ok {
		t.Fatal("a new key was not first")
	}
	if ok, _ := g.First(ctx, "k", 20*time.Millisecond); ok {
		t.Fatal("a replay was first")
	}
	time.Sleep(25 * time.Millisecond)
	if ok, _ := g.First(ctx, "k", 20*time.Millisecond); ok {
		t.Error("forgotten within the window")
	}
	time.Sleep(45 * time.Millisecond)
	if ok, _ := g.First(ctx, "k", 20*time.Millisecond); !ok {
		t.Error("remembered past twice the window")
	}
}

// Whatever a follower sends, the reply that echoes it is well-formed XML.
func TestRepliesStayWellFormed(t *testing.T) {
	r := newRig(t, crypter(t, aesKey, ""))
	bad := "a\x00b\x01c\x08d\x0be\x1ff\uFFFEg\uFFFFhij \t\n\rk"
	for _, mode := range []follower.Mode{follower.Plain, follower.Safe} {
		f := r.follower(mode)
		f.OpenID = "oFollower\x01\x02000000000000001"
		resp, err := f.Text(context.Background(), bad)
		if err != nil || resp.Reply == nil {
			t.Fatalf("mode %d: the reply does not parse: %+v %v", mode, resp, err)
		}
		if want := "you said abcdefghij \t\n\nk"; resp.Reply.Content != want {
			t.Errorf("mode %d: content %q, want %q", mode, resp.Reply.Content, want)
		}
		if resp.Reply.ToUserName != "oFollower000000000000001" {
			t.Errorf("mode %d: ToUserName %q", mode, resp.Reply.ToUserName)
		}
	}
	for in, want := range map[string]string{"plain": "plain", "中文\u00a0ok": "中文\u00a0ok", "\x00": "", "x\uFFFF": "x", "s\xed\xa0\x80u": "su", "bad\xff utf8": "bad utf8", "\U0001F600": "\U0001F600"} {
		if got := wechat.XMLText(in); got != want {
			t.Errorf("XMLText(%q) = %q, want %q", in, got, want)
		}
	}
}

// Metric labels come from fixed sets: made-up types are "other".
func TestObservedTypesAreFixed(t *testing.T) {
	r := newRig(t, nil)
	f := r.follower(follower.Plain)
	ctx := context.Background()
	cases := []struct{ msg, want string }{
		{f.TypedMessage(strings.Repeat("x", 3000)), "other"},
		{f.EventMessage(strings.Repeat("E", 3000), "k"), "event:other"},
		{f.TypedMessage("image"), "image"},
		{f.EventMessage("CLICK", "k"), "event:CLICK"},
	}
	for _, c := range cases {
		if _, err := f.Send(ctx, c.msg); err != nil {
			t.Fatal(err)
		}
		r.mu.Lock()
		got := r.obs[len(r.obs)-1].Type
		r.mu.Unlock()
		if got != c.want {
			t.Errorf("type %q, want %q", got, c.want)
		}
	}
}

// A handler told to decrypt without a key refuses encrypted messages instead of failing.
func TestEncryptedWithoutAKey(t *testing.T) {
	r := newRig(t, nil)
	r.h.Mode = wechat.ModeSafe // and no Crypter
	f := r.follower(follower.Safe)
	resp, err := f.Text(context.Background(), "hi")
	if err != nil || resp.Status != 400 || r.lastOutcome() != "encrypted_refused" || r.calls.Load() != 0 {
		t.Errorf("%+v %v %s", resp, err, r.lastOutcome())
	}
}

// An answer made at once (from answers already made) is sent without Dispatch, kept for
// WeChat's retries like any other, and a message AtOnce cannot answer goes to Dispatch.
func TestAnswerAtOnce(t *testing.T) {
	ctx := context.Background()
	for _, mode := range []follower.Mode{follower.Plain, follower.Safe} {
		r := newRig(t, crypter(t, aesKey, ""))
		var atOnce atomic.Int32
		r.h.AtOnce = func(m *wechat.Message) (*wechat.Reply, bool) {
			if m.Content != "cached" {
				return nil, false
			}
			return &wechat.Reply{Text: fmt.Sprintf("at once %d", atOnce.Add(1))}, true
		}
		f := r.follower(mode)
		msg := f.TextMessage("cached")
		first, err := f.Send(ctx, msg)
		if err != nil {
			t.Fatal(err)
		}
		if first.Reply.Content != "at once 1" || r.lastOutcome() != "replied" {
			t.Errorf("mode %d: first delivery got %q (%s)", mode, first.Reply.Content, r.lastOutcome())
		}
		second, err := f.Send(ctx, msg)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Reply.Raw, second.Reply.Raw) || atOnce.Load() != 1 || r.lastOutcome() != "duplicate" {
			t.Errorf("mode %d: retry got %q (%s) after %d answers, first %q", mode, second.Reply.Raw, r.lastOutcome(), atOnce.Load(), first.Reply.Raw)
		}
		other, err := f.Text(ctx, "个人信息")
		if err != nil {
			t.Fatal(err)
		}
		if other.Reply.Content != "you said 个人信息" || r.calls.Load() != 1 {
			t.Errorf("mode %d: a message AtOnce cannot answer got %q with %d dispatches", mode, other.Reply.Content, r.calls.Load())
		}
	}
}

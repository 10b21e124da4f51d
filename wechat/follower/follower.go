// Package follower simulates a WeChat follower talking to an account's message callback:
// it builds a message, signs it, encrypts it in safe or compatible mode, posts it, and
// checks and decrypts the reply, as WeChat's servers would. Tests and the load generator
// use it.
package follower

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"wxpub/wechat"
)

// Mode is how messages are sent.
type Mode int

// The callback's three modes.
const (
	Plain Mode = iota
	Compatible
	Safe
)

// Follower sends messages to one callback URL as one follower.
type Follower struct {
	URL     string // the callback, e.g. http://127.0.0.1:8080/wechat
	Token   string
	AppID   string
	AESKey  string // the EncodingAESKey, for Safe and Compatible mode
	Mode    Mode
	OpenID  string
	Account string // the account's gh_ id
	Client  *http.Client
	Now     func() time.Time

	msgID   atomic.Int64
	crypter *wechat.Crypter
}

// New returns a follower with a random-looking OpenID and message ids starting at start.
func New(callbackURL, token string, mode Mode) *Follower {
	f := &Follower{URL: callbackURL, Token: token, Mode: mode, OpenID: "oFollower0000000000000000001", Account: "gh_wxpubtest0001",
		Client: &http.Client{Timeout: 10 * time.Second}, Now: time.Now}
	f.msgID.Store(time.Now().UnixNano() / 1000)
	return f
}

// Response is what the callback answered.
type Response struct {
	Status int
	Body   []byte
	// Success is true when the answer was "success" or empty: no reply.
	Success bool
	// Reply is the (decrypted) reply when there was one.
	Reply *Reply
}

// Reply is a decoded reply message.
type Reply struct {
	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
	CreateTime   int64  `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	Content      string `xml:"Content"`
	ArticleCount int    `xml:"ArticleCount"`
	Articles     []struct {
		Title       string `xml:"Title"`
		Description string `xml:"Description"`
		PicURL      string `xml:"PicUrl"`
		URL         string `xml:"Url"`
	} `xml:"Articles>item"`
	Raw []byte `xml:"-"`
}

// NextMsgID returns a new message id.
func (f *Follower) NextMsgID() int64 { return f.msgID.Add(1) }

// TextMessage builds a text message with a new MsgId.
func (f *Follower) TextMessage(content string) string {
	return fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content><MsgId>%d</MsgId></xml>",
		f.Account, f.OpenID, f.Now().Unix(), content, f.NextMsgID())
}

// EventMessage builds an event.
func (f *Follower) EventMessage(event, key string) string {
	return fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[%s]]></Event><EventKey><![CDATA[%s]]></EventKey></xml>",
		f.Account, f.OpenID, f.Now().Unix(), event, key)
}

// TypedMessage builds a message of another type (image, voice, location…).
func (f *Follower) TypedMessage(msgType string) string {
	return fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime><MsgType><![CDATA[%s]]></MsgType><MediaId><![CDATA[m1]]></MediaId><MsgId>%d</MsgId></xml>",
		f.Account, f.OpenID, f.Now().Unix(), msgType, f.NextMsgID())
}

func (f *Follower) crypt() (*wechat.Crypter, error) {
	if f.crypter == nil {
		c, err := wechat.NewCrypter(f.AppID, f.AESKey, "")
		if err != nil {
			return nil, err
		}
		f.crypter = c
	}
	return f.crypter, nil
}

// Prepare signs (and in safe or compatible mode encrypts) a message, returning the URL to
// post to and the body.
func (f *Follower) Prepare(msgXML string) (string, []byte, error) {
	ts := strconv.FormatInt(f.Now().Unix(), 10)
	nonce := strconv.FormatInt(f.NextMsgID()%1_000_000_000, 10)
	q := url.Values{}
	q.Set("signature", wechat.Signature(f.Token, ts, nonce))
	q.Set("timestamp", ts)
	q.Set("nonce", nonce)
	q.Set("openid", f.OpenID)
	body := []byte(msgXML)
	if f.Mode != Plain {
		c, err := f.crypt()
		if err != nil {
			return "", nil, err
		}
		enc, err := c.Encrypt(body, nil)
		if err != nil {
			return "", nil, err
		}
		q.Set("encrypt_type", "aes")
		q.Set("msg_signature", wechat.Signature(f.Token, ts, nonce, enc))
		if f.Mode == Safe {
			body = []byte(fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt></xml>", f.Account, enc))
		} else {
			body = bytes.Replace(body, []byte("</xml>"), []byte("<Encrypt><![CDATA["+enc+"]]></Encrypt></xml>"), 1)
		}
	}
	return f.URL + "?" + q.Encode(), body, nil
}

// Post sends a prepared request and reads the answer, checking its signature and
// decrypting it in safe and compatible mode.
func (f *Follower) Post(ctx context.Context, u string, body []byte) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml")
	resp, err := f.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	r := &Response{Status: resp.StatusCode, Body: data}
	if resp.StatusCode != http.StatusOK {
		return r, nil
	}
	if len(data) == 0 || string(data) == "success" {
		r.Success = true
		return r, nil
	}
	plain := data
	if f.Mode != Plain {
		var env struct {
			Encrypt      string `xml:"Encrypt"`
			MsgSignature string `xml:"MsgSignature"`
			TimeStamp    string `xml:"TimeStamp"`
			Nonce        string `xml:"Nonce"`
		}
		if err := xml.Unmarshal(data, &env); err != nil || env.Encrypt == "" {
			return r, fmt.Errorf("reply is not an encrypted envelope: %.200s", data)
		}
		if !wechat.SignatureOK(env.MsgSignature, f.Token, env.TimeStamp, env.Nonce, env.Encrypt) {
			return r, fmt.Errorf("reply MsgSignature does not verify")
		}
		c, err := f.crypt()
		if err != nil {
			return r, err
		}
		if plain, err = c.Decrypt(env.Encrypt); err != nil {
			return r, fmt.Errorf("decrypt reply: %w", err)
		}
	}
	var rep Reply
	if err := xml.Unmarshal(plain, &rep); err != nil {
		return r, fmt.Errorf("reply is not XML: %w: %.200s", err, plain)
	}
	rep.Raw = plain
	r.Reply = &rep
	return r, nil
}

// Send prepares and posts a message.
func (f *Follower) Send(ctx context.Context, msgXML string) (*Response, error) {
	u, body, err := f.Prepare(msgXML)
	if err != nil {
		return nil, err
	}
	return f.Post(ctx, u, body)
}

// Text sends a text message.
func (f *Follower) Text(ctx context.Context, content string) (*Response, error) {
	return f.Send(ctx, f.TextMessage(content))
}

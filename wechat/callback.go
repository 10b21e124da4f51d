package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The message callback protocol (platform doc §3): signatures, the AES envelope of safe
// mode, incoming messages and the XML replies.

// Signature is hex(sha1(concat(sort(parts)))): with token, timestamp and nonce it signs a
// request (signature); with the Encrypt value added, an encrypted message (msg_signature).
func Signature(parts ...string) string {
	var buf [4]string
	s := append(buf[:0], parts...)
	// Insertion sort: three or four short strings, and no allocation on this hot path.
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	h := sha1.New()
	for _, p := range s {
		h.Write([]byte(p))
	}
	var sum [sha1.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0]))
}

// SignatureOK compares a received signature with the expected one in constant time.
func SignatureOK(got string, parts ...string) bool {
	want := Signature(parts...)
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(got)), []byte(want)) == 1
}

// Crypter encrypts and decrypts safe-mode messages for one account. It holds the current
// EncodingAESKey and, during a rotation, the previous one: decryption tries both.
type Crypter struct {
	appID string
	keys  [][]byte // current first
}

// ErrBadAESKey is wrapped by the error for an EncodingAESKey that is not 43 characters of
// base64 (without its trailing "=").
var ErrBadAESKey = errors.New("an EncodingAESKey is 43 characters of base64")

// DecodeAESKey turns an EncodingAESKey into the 32-byte AES key.
func DecodeAESKey(encodingAESKey string) ([]byte, error) {
	if len(encodingAESKey) != 43 {
		return nil, fmt.Errorf("%w, got %d characters", ErrBadAESKey, len(encodingAESKey))
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("%w: %v", ErrBadAESKey, err)
	}
	return key, nil
}

// NewCrypter returns a Crypter for appID with the current key and, if not "", the previous.
func NewCrypter(appID, current, previous string) (*Crypter, error) {
	if appID == "" {
		return nil, errors.New("safe mode needs wechat.app_id: decrypted messages end with it")
	}
	c := &Crypter{appID: appID}
	for i, k := range []string{current, previous} {
		if k == "" {
			continue
		}
		key, err := DecodeAESKey(k)
		if err != nil {
			name := "wechat.aes_key"
			if i == 1 {
				name = "wechat.aes_key_previous"
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		c.keys = append(c.keys, key)
	}
	if len(c.keys) == 0 {
		return nil, errors.New("wechat.aes_key is required for safe mode")
	}
	return c, nil
}

// Errors of Decrypt.
var (
	ErrDecrypt  = errors.New("cannot decrypt the message with the configured EncodingAESKey(s)")
	ErrWrongApp = errors.New("the message is for another AppID")
)

// Decrypt opens an Encrypt value: AES-256-CBC with iv = key[:16], PKCS#7 padding to 32
// bytes, plaintext random(16) ‖ uint32_be(len) ‖ msg ‖ appid. The appid must be ours.
func (c *Crypter) Decrypt(encrypted string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil || len(raw) == 0 || len(raw)%aes.BlockSize != 0 {
		return nil, ErrDecrypt
	}
	wrongApp := false
	for _, key := range c.keys {
		msg, app, ok := open(key, raw)
		if !ok {
			continue
		}
		if subtle.ConstantTimeCompare(app, []byte(c.appID)) != 1 {
			wrongApp = true
			continue
		}
		return msg, nil
	}
	if wrongApp {
		return nil, ErrWrongApp
	}
	return nil, ErrDecrypt
}

func open(key, raw []byte) (msg, appID []byte, ok bool) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, false
	}
	plain := make([]byte, len(raw))
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(plain, raw)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > 32 || pad > len(plain) {
		return nil, nil, false
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, nil, false
		}
	}
	plain = plain[:len(plain)-pad]
	if len(plain) < 20 {
		return nil, nil, false
	}
	n := int(binary.BigEndian.Uint32(plain[16:20]))
	if n > len(plain)-20 {
		return nil, nil, false
	}
	return plain[20 : 20+n], plain[20+n:], true
}

// Encrypt seals msg with the current key; random is the 16-byte prefix (nil: crypto/rand).
func (c *Crypter) Encrypt(msg []byte, random []byte) (string, error) {
	if random == nil {
		random = make([]byte, 16)
		if _, err := rand.Read(random); err != nil {
			return "", err
		}
	}
	if len(random) != 16 {
		return "", errors.New("encrypt: the random prefix is 16 bytes")
	}
	key := c.keys[0]
	plain := make([]byte, 0, 20+len(msg)+len(c.appID)+32)
	plain = append(plain, random...)
	plain = binary.BigEndian.AppendUint32(plain, uint32(len(msg)))
	plain = append(plain, msg...)
	plain = append(plain, c.appID...)
	pad := 32 - len(plain)%32
	plain = append(plain, bytes.Repeat([]byte{byte(pad)}, pad)...)
	block, err := aes.NewCipher(key)
	if err != nil {
		return "", err
	}
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, plain)
	return base64.StdEncoding.EncodeToString(out), nil
}

// Message is an incoming message or event, as the callback receives it. ParseMessage fills
// it from the XML elements of the same names (MsgId for MsgID).
type Message struct {
	ToUserName   string
	FromUserName string
	CreateTime   int64
	MsgType      string
	Content      string
	MsgID        int64
	Event        string
	EventKey     string
	// Encrypt is set in compatible and safe mode.
	Encrypt string
	// Recognition is the speech recognised in a voice message, when the account has it on.
	Recognition string
}

// DedupKey identifies a message across WeChat's retries: sender and MsgId for messages,
// sender, time, event and key for events.
func (m *Message) DedupKey() string {
	if m.MsgType == "event" || m.MsgID == 0 {
		return m.FromUserName + "|" + strconv.FormatInt(m.CreateTime, 10) + "|" + m.Event + "|" + m.EventKey
	}
	return m.FromUserName + "|" + strconv.FormatInt(m.MsgID, 10)
}

// ParseMessage reads a message's XML; anything else is an error.
func ParseMessage(body []byte) (*Message, error) {
	var m Message
	var bad error
	err := scanFields(body, func(name, v []byte) {
		switch string(name) {
		case "ToUserName":
			m.ToUserName = string(v)
		case "FromUserName":
			m.FromUserName = string(v)
		case "CreateTime":
			m.CreateTime, bad = number(name, v, bad)
		case "MsgType":
			m.MsgType = string(v)
		case "Content":
			m.Content = string(v)
		case "MsgId":
			m.MsgID, bad = number(name, v, bad)
		case "Event":
			m.Event = string(v)
		case "EventKey":
			m.EventKey = string(v)
		case "Encrypt":
			m.Encrypt = string(v)
		case "Recognition":
			m.Recognition = string(v)
		}
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// number reads an integer field; an empty one is 0.
func number(name, v []byte, prev error) (int64, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return 0, prev
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil && prev == nil {
		prev = fmt.Errorf("%w: <%s> is not a number", errMalformed, name)
	}
	return n, prev
}

// NewsArticle is one article of a news reply.
type NewsArticle struct {
	Title, Description, PicURL, URL string
}

// replyHead writes the fields every reply starts with.
func replyHead(b *bytes.Buffer, to, from string, createTime int64, msgType string) {
	b.WriteString("<xml><ToUserName>")
	cdata(b, to)
	b.WriteString("</ToUserName><FromUserName>")
	cdata(b, from)
	b.WriteString("</FromUserName><CreateTime>")
	b.WriteString(strconv.FormatInt(createTime, 10))
	b.WriteString("</CreateTime><MsgType><![CDATA[" + msgType + "]]></MsgType>")
}

// TextReply writes a text reply's XML.
func TextReply(to, from string, createTime int64, content string) []byte {
	var b bytes.Buffer
	b.Grow(200 + len(content))
	replyHead(&b, to, from, createTime, "text")
	b.WriteString("<Content>")
	cdata(&b, content)
	b.WriteString("</Content></xml>")
	return b.Bytes()
}

// NewsReply writes a news reply's XML.
func NewsReply(to, from string, createTime int64, articles []NewsArticle) []byte {
	var b bytes.Buffer
	b.Grow(300 + 300*len(articles))
	replyHead(&b, to, from, createTime, "news")
	b.WriteString("<ArticleCount>")
	b.WriteString(strconv.Itoa(len(articles)))
	b.WriteString("</ArticleCount><Articles>")
	for _, a := range articles {
		b.WriteString("<item><Title>")
		cdata(&b, a.Title)
		b.WriteString("</Title><Description>")
		cdata(&b, a.Description)
		b.WriteString("</Description><PicUrl>")
		cdata(&b, a.PicURL)
		b.WriteString("</PicUrl><Url>")
		cdata(&b, a.URL)
		b.WriteString("</Url></item>")
	}
	b.WriteString("</Articles></xml>")
	return b.Bytes()
}

// cdata writes s as CDATA, splitting any "]]>" inside it and leaving out what XML 1.0
// forbids, so the XML stays well formed whatever a follower sent.
func cdata(b *bytes.Buffer, s string) {
	s = XMLText(s)
	b.WriteString("<![CDATA[")
	if strings.Contains(s, "]]>") {
		s = strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>")
	}
	b.WriteString(s)
	b.WriteString("]]>")
}

// EncryptedReply wraps a reply for safe mode.
func (c *Crypter) EncryptedReply(token string, reply []byte, timestamp, nonce string) ([]byte, error) {
	enc, err := c.Encrypt(reply, nil)
	if err != nil {
		return nil, err
	}
	return EncryptedEnvelope(enc, Signature(token, timestamp, nonce, enc), timestamp, nonce), nil
}

// EncryptedEnvelope is <xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>.
func EncryptedEnvelope(enc, msgSignature, timestamp, nonce string) []byte {
	var b bytes.Buffer
	b.Grow(len(enc) + len(msgSignature) + len(timestamp) + len(nonce) + 140)
	// Base64 and hex hold no "]]>": the values go into CDATA as they are.
	b.WriteString("<xml><Encrypt><![CDATA[")
	b.WriteString(enc)
	b.WriteString("]]></Encrypt><MsgSignature><![CDATA[")
	b.WriteString(msgSignature)
	b.WriteString("]]></MsgSignature><TimeStamp>")
	b.WriteString(timestamp)
	b.WriteString("</TimeStamp><Nonce>")
	cdata(&b, nonce)
	b.WriteString("</Nonce></xml>")
	return b.Bytes()
}

// XMLText returns s without the characters XML 1.0 does not allow (C0 controls other than
// tab, newline and return; U+FFFE and U+FFFF; bytes that are not UTF-8, which include
// encoded surrogates). Text that has none, the usual case, is returned as it is.
func XMLText(s string) string {
	bad := -1
	for i := 0; i < len(s); {
		if c := s[i]; c >= 0x20 && c < 0x80 {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !xmlChar(r, size) {
			bad = i
			break
		}
		i += size
	}
	if bad < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:bad])
	for i := bad; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if xmlChar(r, size) {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// xmlChar reports whether a decoded rune may stand in XML 1.0.
func xmlChar(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size <= 1:
		return false
	case r < 0x20:
		return r == '\t' || r == '\n' || r == '\r'
	case r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
		return false
	}
	return true
}

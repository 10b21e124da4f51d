package wechat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
)

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

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
	// blocks are the keys' ciphers, made once: a cipher per message was a tenth of a safe
	// reply's allocations. An AES cipher.Block is safe for concurrent use.
	blocks []cipher.Block
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
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		c.keys = append(c.keys, key)
		c.blocks = append(c.blocks, block)
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
	for i, key := range c.keys {
		msg, app, ok := open(c.blocks[i], key, raw)
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

func open(block cipher.Block, key, raw []byte) (msg, appID []byte, ok bool) {
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
	enc, err := c.seal(msg, random)
	return string(enc), err
}

// seal is Encrypt's base64, as bytes.
func (c *Crypter) seal(msg []byte, random []byte) ([]byte, error) {
	var prefix [16]byte
	if random == nil {
		if _, err := rand.Read(prefix[:]); err != nil {
			return nil, err
		}
		random = prefix[:]
	}
	if len(random) != 16 {
		return nil, errors.New("encrypt: the random prefix is 16 bytes")
	}
	key := c.keys[0]
	n := 20 + len(msg) + len(c.appID)
	pad := 32 - n%32
	plain := make([]byte, 0, n+pad)
	plain = append(plain, random...)
	plain = binary.BigEndian.AppendUint32(plain, uint32(len(msg)))
	plain = append(plain, msg...)
	plain = append(plain, c.appID...)
	for range pad {
		plain = append(plain, byte(pad))
	}
	// In place: CBC may write over what it reads.
	cipher.NewCBCEncrypter(c.blocks[0], key[:16]).CryptBlocks(plain, plain)
	return base64.StdEncoding.AppendEncode(make([]byte, 0, base64.StdEncoding.EncodedLen(len(plain))), plain), nil
}

// EncryptedReply wraps a reply for safe mode.
func (c *Crypter) EncryptedReply(token string, reply []byte, timestamp, nonce string) ([]byte, error) {
	enc, err := c.seal(reply, nil)
	if err != nil {
		return nil, err
	}
	return encryptedEnvelope(enc, signBytes([]byte(token), []byte(timestamp), []byte(nonce), enc), timestamp, nonce), nil
}

// EncryptedEnvelope is <xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>.
func EncryptedEnvelope(enc, msgSignature, timestamp, nonce string) []byte {
	return encryptedEnvelope([]byte(enc), msgSignature, timestamp, nonce)
}

func encryptedEnvelope(enc []byte, msgSignature, timestamp, nonce string) []byte {
	var b bytes.Buffer
	b.Grow(len(enc) + len(msgSignature) + len(timestamp) + len(nonce) + 140)
	// Base64 and hex hold no "]]>": the values go into CDATA as they are.
	b.WriteString("<xml><Encrypt><![CDATA[")
	b.Write(enc)
	b.WriteString("]]></Encrypt><MsgSignature><![CDATA[")
	b.WriteString(msgSignature)
	b.WriteString("]]></MsgSignature><TimeStamp>")
	b.WriteString(timestamp)
	b.WriteString("</TimeStamp><Nonce>")
	cdata(&b, nonce)
	b.WriteString("</Nonce></xml>")
	return b.Bytes()
}

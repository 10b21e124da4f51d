package wechat

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

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

package wechat

import (
	"bytes"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// Signature is hex(sha1(concat(sort(parts)))): with token, timestamp and nonce it signs a
// request (signature); with the Encrypt value added, an encrypted message (msg_signature).
func Signature(parts ...string) string {
	var buf [4][]byte
	s := buf[:0]
	for _, p := range parts {
		s = append(s, []byte(p))
	}
	return signBytes(s...)
}

// signBytes is Signature over byte slices: a safe reply signs its kilobyte of ciphertext
// without copying it into a string and back.
func signBytes(parts ...[]byte) string {
	// Insertion sort: three or four short values.
	for i := 1; i < len(parts); i++ {
		for j := i; j > 0 && bytes.Compare(parts[j], parts[j-1]) < 0; j-- {
			parts[j], parts[j-1] = parts[j-1], parts[j]
		}
	}
	h := sha1.New()
	for _, p := range parts {
		h.Write(p)
	}
	var sum [sha1.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0]))
}

// SignatureOK compares a received signature with the expected one in constant time.
func SignatureOK(got string, parts ...string) bool {
	want := Signature(parts...)
	return subtle.ConstantTimeCompare([]byte(strings.ToLower(got)), []byte(want)) == 1
}

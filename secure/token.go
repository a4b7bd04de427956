package secure

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// Token returns a new random token of 256 bits, URL-safe.
func Token() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// TokenHash is the form in which a token is stored: a leaked database then holds no token
// that works.
func TokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

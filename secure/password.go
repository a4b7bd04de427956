// Package secure holds Zona's secrets handling: argon2id hashing of passwords and PINs with a
// process-wide bound on concurrent hashing, and random tokens.
package secure

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
	KeyLen  uint32
}

// Default is OWASP's minimum recommendation for argon2id: 19 MiB, two passes, one thread.
var Default = Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32}

// Upper bounds on parameters read back from a stored hash, so a tampered or foreign hash
// cannot make one check take gigabytes or minutes.
const (
	maxMemory  = 256 * 1024
	maxTime    = 10
	maxThreads = 4
	maxKeyLen  = 64
	maxSaltLen = 64
	// MaxInput is the longest password or PIN, in bytes, that is hashed at all.
	MaxInput = 1024
	// queueWait is how long a hash waits for a free slot before giving up with ErrBusy.
	queueWait = 10 * time.Second
)

var (
	// ErrBusy means every hashing slot stayed taken for too long: the caller should answer
	// 503 and let the person try again.
	ErrBusy = errors.New("secure: too many password checks at once")
	// ErrMalformed means a stored hash cannot be parsed or has parameters out of bounds.
	ErrMalformed = errors.New("secure: malformed password hash")

	slotsMu sync.Mutex
	slots   = make(chan struct{}, runtime.GOMAXPROCS(0))
)

// SetConcurrency sets how many hashes may run at once in this process (at least one). Each
// costs Params.Memory of RAM while it runs, so this bounds the memory a sign-in flood takes.
func SetConcurrency(n int) {
	slotsMu.Lock()
	defer slotsMu.Unlock()
	slots = make(chan struct{}, max(n, 1))
}

func acquire(ctx context.Context) (release func(), err error) {
	slotsMu.Lock()
	ch := slots
	slotsMu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, queueWait)
	defer cancel()
	select {
	case ch <- struct{}{}:
		return func() { <-ch }, nil
	case <-ctx.Done():
		return nil, ErrBusy
	}
}

// Hash returns the PHC-format argon2id hash of secret with a fresh random salt.
func Hash(ctx context.Context, secret string) (string, error) {
	salt := make([]byte, 16)
	rand.Read(salt)
	key, err := derive(ctx, secret, salt, Default)
	if err != nil {
		return "", err
	}
	return encode(Default, salt, key), nil
}

// encode is the PHC string of an argon2id key derived with p and salt.
func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// Verify reports whether secret matches the stored hash encoded.
func Verify(ctx context.Context, encoded, secret string) (bool, error) {
	p, salt, want, err := parse(encoded)
	if err != nil {
		return false, err
	}
	got, err := derive(ctx, secret, salt, p)
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is checked against when the account does not exist, so that an unknown email
// costs the same time as a wrong password. It has Default's parameters and a key that no
// password derives: it is written, not computed, so it cannot fail (a hash computed here
// during a flood could fail with ErrBusy, and would then stay broken for the process's
// life).
var dummyHash = encode(Default, []byte("zona-dummy-salt!"), make([]byte, Default.KeyLen))

// VerifyNothing spends the time of one Verify without an account, and always fails.
func VerifyNothing(ctx context.Context, secret string) error {
	_, err := Verify(ctx, dummyHash, secret)
	return err
}

func derive(ctx context.Context, secret string, salt []byte, p Params) ([]byte, error) {
	if len(secret) > MaxInput {
		secret = secret[:MaxInput]
	}
	release, err := acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return argon2.IDKey([]byte(secret), salt, p.Time, p.Memory, p.Threads, p.KeyLen), nil
}

var b64 = base64.RawStdEncoding

func parse(encoded string) (p Params, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return p, nil, nil, ErrMalformed
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, ErrMalformed
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, ErrMalformed
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return p, nil, nil, ErrMalformed
	}
	if key, err = b64.DecodeString(parts[5]); err != nil {
		return p, nil, nil, ErrMalformed
	}
	p.KeyLen = uint32(len(key))
	if p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory || p.Time < 1 || p.Time > maxTime ||
		p.Threads < 1 || p.Threads > maxThreads || p.KeyLen < 16 || p.KeyLen > maxKeyLen ||
		len(salt) < 8 || len(salt) > maxSaltLen {
		return p, nil, nil, ErrMalformed
	}
	return p, salt, key, nil
}

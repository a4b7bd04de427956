package store

import (
	"crypto/rand"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

var (
	idMu      sync.Mutex
	idEntropy = ulid.Monotonic(rand.Reader, 0)
)

// NewID returns a new time-ordered ID. IDs made in the same millisecond by this process
// still sort in the order they were made.
func NewID() string {
	idMu.Lock()
	defer idMu.Unlock()
	return ulid.MustNew(ulid.Timestamp(time.Now()), idEntropy).String()
}

// validID reports whether s has the shape of an ID, so that a value taken from a URL can
// never reach outside its key prefix.
func validID(s string) bool {
	_, err := ulid.ParseStrict(s)
	return err == nil
}

package store

import (
	"bytes"
	"slices"
	"sync"
)

// decodeCache remembers decoded records by key together with the exact bytes they were
// decoded from. A read still fetches the bytes from Badger (about a microsecond) and only
// skips the JSON decoding when they are unchanged, so the cache can never serve a stale
// record, whoever wrote the key. It holds at most max records and forgets them all when
// full, which keeps it simple and bounded.
type decodeCache[T any] struct {
	mu  sync.Mutex
	max int
	m   map[string]cached[T]
}

type cached[T any] struct {
	raw []byte
	val T
}

func newDecodeCache[T any](max int) *decodeCache[T] {
	return &decodeCache[T]{max: max, m: make(map[string]cached[T], max)}
}

// decode returns the record encoded in raw under key, decoding only when raw changed.
// The record returned is a shallow copy of the cached value: its slices and maps (an
// Entry's Changes and Detail) are shared and must be treated as read-only.
func (c *decodeCache[T]) decode(key string, raw []byte) (T, error) {
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && bytes.Equal(e.raw, raw) {
		return e.val, nil
	}
	var v T
	if err := decode(raw, &v); err != nil {
		return v, err
	}
	c.mu.Lock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[key] = cached[T]{raw: bytes.Clone(raw), val: v}
	c.mu.Unlock()
	return v, nil
}

// recentCache remembers the newest entries of histories (RecentActivity) with the stamp
// they were listed under: the bytes of the history's head and pruning anchor. Like
// decodeCache it is bounded and forgets everything when full.
type recentCache struct {
	mu  sync.Mutex
	max int
	m   map[string]recentList
}

type recentList struct {
	n       int
	stamp   []byte
	entries []Entry
}

func newRecentCache(max int) *recentCache {
	return &recentCache{max: max, m: make(map[string]recentList, max)}
}

// get returns a copy of the list of clientID's newest n entries made under stamp, if kept.
// The entries' slices and maps are shared and read-only, as decodeCache's are.
func (c *recentCache) get(clientID string, n int, stamp []byte) ([]Entry, bool) {
	c.mu.Lock()
	l, ok := c.m[clientID]
	c.mu.Unlock()
	if !ok || l.n != n || !bytes.Equal(l.stamp, stamp) {
		return nil, false
	}
	return slices.Clone(l.entries), true
}

func (c *recentCache) put(clientID string, n int, stamp []byte, entries []Entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[clientID] = recentList{n: n, stamp: bytes.Clone(stamp), entries: slices.Clone(entries)}
}

// forget drops what is kept of clientID's history (its personal data was just erased).
func (c *recentCache) forget(clientID string) {
	c.mu.Lock()
	delete(c.m, clientID)
	c.mu.Unlock()
}

package handlers

import (
	"testing"
	"time"
)

// countingStorage is an in-memory fiber.Storage that counts reads and writes.
type countingStorage struct {
	m          map[string][]byte
	gets, sets int
}

func (c *countingStorage) Get(k string) ([]byte, error) { c.gets++; return c.m[k], nil }
func (c *countingStorage) Set(k string, v []byte, _ time.Duration) error {
	c.sets++
	c.m[k] = v
	return nil
}
func (c *countingStorage) Delete(k string) error { delete(c.m, k); return nil }
func (c *countingStorage) Reset() error          { clear(c.m); return nil }
func (c *countingStorage) Close() error          { return nil }

func TestLazyTouch(t *testing.T) {
	under := &countingStorage{m: map[string][]byte{}}
	l := newLazyTouch(under, time.Minute)
	for range 10 {
		if err := l.Set("csrf.a", []byte{'+'}, time.Hour); err != nil {
			t.Fatal(err)
		}
		if v, _ := l.Get("csrf.a"); string(v) != "+" {
			t.Fatalf("Get = %q", v)
		}
	}
	if under.sets != 1 || under.gets != 0 {
		t.Fatalf("10 reads and writes of a fresh token reached the store %d/%d times, want 0 reads and 1 write", under.gets, under.sets)
	}
	if err := l.Delete("csrf.a"); err != nil {
		t.Fatal(err)
	}
	if v, _ := l.Get("csrf.a"); v != nil {
		t.Fatal("a deleted token is still answered")
	}
	if v, _ := l.Get("csrf.unknown"); v != nil || under.gets != 2 {
		t.Fatalf("an unknown token: %q after %d store reads", v, under.gets)
	}
}

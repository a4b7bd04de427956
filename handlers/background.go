package handlers

import (
	"log/slog"
	"sync"
	"sync/atomic"
)

// maxBackground bounds the jobs running after their requests were answered; a flood
// beyond it has its jobs dropped (and logged) rather than piling up goroutines.
const maxBackground = 32

// background runs work that must not hold up, or show in, the answer to a request: the
// answer goes out at once, and the work runs on its own goroutine. A job must copy what it
// needs from the request first (see origin): Fiber reuses a request's buffers once it is
// answered. Shutdown waits for the jobs under way (wait, an OnShutdown hook), so that none
// is cut off by the stores closing.
type background struct {
	wg      sync.WaitGroup
	running atomic.Int32
}

// run starts job, unless maxBackground jobs are running already: it is then dropped, and
// logged. A job's error is logged too; nobody waits for it.
func (b *background) run(log *slog.Logger, name string, job func() error) {
	if b.running.Add(1) > maxBackground {
		b.running.Add(-1)
		log.Warn("background job dropped: too many under way", "job", name)
		return
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		defer b.running.Add(-1)
		defer func() {
			if r := recover(); r != nil {
				log.Error("background job panicked", "job", name, "panic", r)
			}
		}()
		if err := job(); err != nil {
			log.Error("background job failed", "job", name, "err", err)
		}
	}()
}

// wait returns once every job started has ended.
func (b *background) wait() error {
	b.wg.Wait()
	return nil
}

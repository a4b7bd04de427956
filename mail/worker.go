package mail

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"zona/store"
)

// diskRecheck is how soon a worker paused by a full disk looks at the outbox again.
const diskRecheck = 5 * time.Second

// Worker delivers the outbox: one goroutine that sends each due copy in turn and sleeps
// until the next one is due or a new message wakes it.
//
// # Delivery at most once per attempt, and the window that remains
//
// Every attempt is recorded before it starts (state sending, with a lease) and its result
// after it ends (sent, or queued again for later, or failed), each in its own synced Badger
// transaction, and every attempt of a copy carries the same Message-ID. A copy is therefore
// never sent twice by a running Zona, and a Zona killed mid-send finds the copy in state
// sending when it starts again and attempts it again once the lease is over. Exactly once
// cannot be promised for one case: the SMTP server accepted the message (its 250 reply to
// the final ".") and the process died before the next disk write recorded it. That window
// is the time of one Badger commit after the reply, well under a millisecond with the
// disk idle; a copy caught in it is sent a second time with the same Message-ID, which
// receiving systems use to recognise a duplicate.
type Worker struct {
	st     store.Records
	cfg    Config
	sender Sender
	log    *slog.Logger
	now    func() time.Time

	wake   chan struct{}
	stop   context.CancelFunc
	done   chan struct{}
	once   sync.Once
	depth  int
	logged time.Time
}

// NewWorker returns a worker that delivers st's outbox with sender (an SMTPSender for cfg
// when nil).
func NewWorker(st store.Records, cfg Config, sender Sender, log *slog.Logger) *Worker {
	cfg.defaults()
	if sender == nil {
		sender = NewSMTPSender(cfg)
	}
	if log == nil {
		log = slog.Default()
	}
	return &Worker{st: st, cfg: cfg, sender: sender, log: log, now: time.Now, wake: make(chan struct{}, 1), depth: -1}
}

// Start runs the worker until Stop.
func (w *Worker) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	w.stop, w.done = cancel, make(chan struct{})
	go w.loop(ctx)
}

// Stop asks the worker to stop and waits until it did. An attempt under way is finished
// (within the configured timeout) and recorded first.
func (w *Worker) Stop() {
	w.once.Do(func() {
		if w.stop == nil {
			return
		}
		w.stop()
		<-w.done
	})
}

// Notify tells the worker that new copies are in the outbox.
func (w *Worker) Notify() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *Worker) loop(ctx context.Context) {
	defer close(w.done)
	for {
		wait := w.cfg.Poll
		next, err := w.RunOnce(ctx)
		if err != nil {
			w.log.Error("mail outbox", "err", err)
		} else if !next.IsZero() {
			wait = min(wait, max(time.Until(next), 10*time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-w.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// RunOnce attempts every copy due now, in queue order, and returns when the next copy
// waiting in the outbox becomes due (zero when the outbox is empty). It stops early when
// ctx is cancelled, never in the middle of an attempt.
func (w *Worker) RunOnce(ctx context.Context) (time.Time, error) {
	items, err := w.st.Outbox()
	if err != nil {
		return time.Time{}, err
	}
	w.logDepth(len(items))
	var next time.Time
	for i := range items {
		it := &items[i]
		now := w.now()
		if !it.Due(now) {
			if next.IsZero() || it.When().Before(next) {
				next = it.When()
			}
			continue
		}
		if ctx.Err() != nil {
			return next, nil
		}
		if w.st.Disk().Low() {
			// Each attempt records its state before and after the send, and the store
			// refuses writes while the disk is low: the round pauses, the copies keep their
			// place and their attempts, and the worker looks again shortly.
			return now.Add(diskRecheck), nil
		}
		if err := w.attempt(it.CopyID); err != nil {
			return next, err
		}
	}
	// Copies that failed just now were queued again; look again to learn when.
	if items, err = w.st.Outbox(); err == nil {
		for i := range items {
			if when := items[i].When(); next.IsZero() || when.Before(next) {
				next = when
			}
		}
	}
	return next, err
}

// attempt makes one delivery attempt of copyID and records its outcome.
func (w *Worker) attempt(copyID string) error {
	now := w.now()
	d, err := w.st.ClaimCopy(copyID, now, now.Add(w.cfg.Lease))
	if errors.Is(err, store.ErrNotDue) || errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrDiskFull) {
		return nil
	}
	if err != nil {
		return err
	}
	if d.Copy.Attempts > 1 {
		w.log.Info("mail retry", "copy", copyID, "to", d.Copy.To, "attempt", d.Copy.Attempts)
	}
	// The send gets its own context: stopping the worker lets an attempt under way end
	// (bounded by the SMTP timeout) so that its outcome is recorded.
	sendErr := w.sender.Send(context.Background(), d)
	if sendErr == nil {
		if err := w.st.CopySentAt(copyID, w.now()); err != nil {
			return err
		}
		w.log.Info("mail sent", "copy", copyID, "message", d.Message.ID, "to", d.Copy.To, "category", d.Message.Category)
		return nil
	}
	msg := sendErr.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	if IsPermanent(sendErr) || d.Copy.Attempts >= w.cfg.Attempts {
		w.log.Error("mail failed", "copy", copyID, "message", d.Message.ID, "to", d.Copy.To,
			"attempts", d.Copy.Attempts, "err", msg)
		return w.st.CopyFailedFinal(copyID, msg)
	}
	next := w.now().Add(Backoff(d.Copy.Attempts, w.cfg.RetryFirst, w.cfg.RetryMax))
	w.log.Warn("mail attempt failed", "copy", copyID, "to", d.Copy.To, "attempt", d.Copy.Attempts,
		"next", next.Format(time.RFC3339), "err", msg)
	return w.st.CopyRetry(copyID, msg, next)
}

// logDepth logs the outbox depth when it changed, and every ten minutes while mail waits.
func (w *Worker) logDepth(n int) {
	now := w.now()
	if n == w.depth && (n == 0 || now.Sub(w.logged) < 10*time.Minute) {
		return
	}
	w.depth, w.logged = n, now
	w.log.Info("mail queue", "depth", n)
}

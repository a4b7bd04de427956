package conformance

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"zona/store"
)

// queue archives a message to c with one copy per address and returns it.
func queue(t T, s Subject, c *store.Client, subject string, to ...string) *store.Message {
	t.Helper()
	m := &store.Message{ClientID: c.ID, Category: store.CategoryNotes, Subject: subject, From: "avisos@hosting.test"}
	for _, addr := range to {
		m.Copies = append(m.Copies, store.Copy{Kind: "owner", PersonID: c.ID, To: addr})
	}
	body := store.MessageBody{HTML: "<p>" + subject + "</p>", Text: subject}
	ev := store.Event{Kind: store.KindEmailQueued, Actor: store.Actor{Kind: store.ActorSystem}}
	if err := s.QueueMessage(m, store.Content{Body: body}, "hosting.test", ev); err != nil {
		t.Fatalf("QueueMessage: %v", err)
	}
	return m
}

func outboxIDs(t T, s Subject) []string {
	t.Helper()
	items, err := s.Outbox()
	if err != nil {
		t.Fatalf("Outbox: %v", err)
	}
	var ids []string
	for _, o := range items {
		ids = append(ids, o.CopyID)
	}
	return ids
}

// A claimed copy is leased: nobody else gets it until the lease ends (its process died)
// or the attempt is recorded; sent and given-up copies leave the outbox.
func testOutboxLeases(t T, open Open) {
	s := open(t)
	c := mustClient(t, s, "ana@example.mx")
	m := queue(t, s, c, "Nota de pago 1", "ana@example.mx", "luis@example.mx")
	first, second := m.Copies[0].ID, m.Copies[1].ID
	if got := outboxIDs(t, s); !slices.Equal(got, []string{first, second}) {
		t.Fatalf("outbox %v, want the two copies %v", got, []string{first, second})
	}
	if mm, err := s.MessageByID(c.ID, m.ID); err != nil || mm.Status() != store.CopyQueued {
		t.Fatalf("archived message: %+v %v", mm, err)
	}
	now := time.Now()
	d, err := s.ClaimCopy(first, now, now.Add(time.Minute))
	if err != nil || d.Copy.ID != first || d.Copy.Attempts != 1 || d.Body.Text != "Nota de pago 1" || d.Message.ID != m.ID {
		t.Fatalf("first claim: %+v %v", d, err)
	}
	if _, err := s.ClaimCopy(first, now.Add(30*time.Second), now.Add(2*time.Minute)); !errors.Is(err, store.ErrNotDue) {
		t.Fatalf("a claim during the lease: %v, want ErrNotDue", err)
	}
	// The lease ended without a word from the first claimer: the copy is claimed again.
	d, err = s.ClaimCopy(first, now.Add(time.Minute), now.Add(2*time.Minute))
	if err != nil || d.Copy.Attempts != 2 || d.Copy.MessageID != m.Copies[0].MessageID {
		t.Fatalf("a claim after the lease: %+v %v (the same Message-ID on every attempt)", d, err)
	}
	if err := s.CopySentAt(first, now.Add(time.Minute)); err != nil {
		t.Fatalf("CopySentAt: %v", err)
	}
	if _, err := s.ClaimCopy(first, now.Add(time.Hour), now.Add(2*time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a claim of a sent copy: %v, want ErrNotFound", err)
	}
	// A failed attempt waits for its next one.
	if _, err := s.ClaimCopy(second, now, now.Add(time.Minute)); err != nil {
		t.Fatalf("ClaimCopy: %v", err)
	}
	if err := s.CopyRetry(second, "451 try later", now.Add(10*time.Minute)); err != nil {
		t.Fatalf("CopyRetry: %v", err)
	}
	if _, err := s.ClaimCopy(second, now.Add(5*time.Minute), now.Add(6*time.Minute)); !errors.Is(err, store.ErrNotDue) {
		t.Fatalf("a claim before the next attempt: %v, want ErrNotDue", err)
	}
	if _, err := s.ClaimCopy(second, now.Add(10*time.Minute), now.Add(11*time.Minute)); err != nil {
		t.Fatalf("a claim at the next attempt: %v", err)
	}
	if err := s.CopyFailedFinal(second, "550 no such user"); err != nil {
		t.Fatalf("CopyFailedFinal: %v", err)
	}
	if got := outboxIDs(t, s); len(got) != 0 {
		t.Fatalf("outbox after one sent and one failed: %v", got)
	}
	mm, err := s.MessageByID(c.ID, m.ID)
	if err != nil || mm.Status() != store.CopyFailed || mm.Copies[0].Status != store.CopySent || mm.Copies[1].LastError != "550 no such user" {
		t.Fatalf("archived message after delivery: %+v %v", mm, err)
	}
	failed, err := s.FailedCopies()
	if err != nil || len(failed) != 1 || failed[0].Copy.ID != second {
		t.Fatalf("FailedCopies: %+v %v", failed, err)
	}
	// Staff retry the failed copy; a sent one is never retried.
	if err := s.RetryCopy(first, now); !errors.Is(err, store.ErrCopySent) {
		t.Fatalf("retrying a sent copy: %v, want ErrCopySent", err)
	}
	if err := s.RetryCopy(second, now); err != nil {
		t.Fatalf("RetryCopy: %v", err)
	}
	if got := outboxIDs(t, s); !slices.Equal(got, []string{second}) {
		t.Fatalf("outbox after the retry: %v", got)
	}
	if failed, _ := s.FailedCopies(); len(failed) != 0 {
		t.Fatalf("still listed as failed after the retry: %+v", failed)
	}
	entries, _, _ := s.ListActivity(c.ID, "", 10)
	kinds := map[string]int{}
	for _, e := range entries {
		kinds[e.Kind]++
	}
	if kinds[store.KindEmailQueued] != 1 || kinds[store.KindEmailFailed] != 1 {
		t.Fatalf("history of the delivery: %v", kinds)
	}
}

// Workers racing over one outbox, each claiming whatever it lists, hand every copy out
// exactly once: no copy is sent twice, none is left behind.
func testOutboxExactlyOnce(t T, open Open) {
	s := open(t)
	c := mustClient(t, s, "ana@example.mx")
	var want []string
	for i := range 30 {
		m := queue(t, s, c, fmt.Sprint("Nota de pago ", i), "ana@example.mx", "luis@example.mx")
		for _, cp := range m.Copies {
			want = append(want, cp.ID)
		}
	}
	var (
		mu      sync.Mutex
		handed  = map[string]int{}
		errs    []error
		wg      sync.WaitGroup
		workers = 8
	)
	now := time.Now()
	for range workers {
		wg.Go(func() {
			for range 50 { // rounds: far more than needed, so a lost copy shows as left behind
				items, err := s.Outbox()
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				if len(items) == 0 {
					return
				}
				for _, o := range items {
					d, err := s.ClaimCopy(o.CopyID, now, now.Add(time.Hour))
					if errors.Is(err, store.ErrNotDue) || errors.Is(err, store.ErrNotFound) {
						continue // another worker has it
					}
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
					} else {
						handed[d.Copy.ID]++
					}
					mu.Unlock()
					if err == nil {
						if err := s.CopySentAt(d.Copy.ID, now); err != nil {
							mu.Lock()
							errs = append(errs, err)
							mu.Unlock()
						}
					}
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		t.Errorf("a worker: %v", err)
	}
	for _, id := range want {
		switch n := handed[id]; {
		case n > 1:
			t.Errorf("copy %s was handed out %d times: sent twice", id, n)
		case n == 0:
			t.Errorf("copy %s was never handed out", id)
		}
	}
	if left := outboxIDs(t, s); len(left) != 0 {
		t.Errorf("%d copies left in the outbox", len(left))
	}
}

package handlers_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"zona/handlers"
	"zona/store"
)

// The retention page shows each setting and counts what its next run would remove, before
// anything is removed; with retention off it says everything is kept. Admins only.
func TestRetentionPageShowsWhatTheNextRunRemoves(t *testing.T) {
	off := newEnv(t)
	a, _ := mustStaffAgent(t, off)
	r := a.get("/admin/retention")
	if r.StatusCode != http.StatusOK || r.text(`[data-testid="retention-activity-keep"]`) != "Sin límite: se conserva todo" ||
		r.doc.Find(`[data-testid="retention-activity-entries"]`).Length() != 0 {
		t.Fatalf("retention off: %d %.400s", r.StatusCode, r.text(`[data-testid="admin-retention"]`))
	}
	if a.get("/admin").doc.Find(`a[href="/admin/retention"]`).Length() == 0 {
		t.Error("the console's menu has no link to the retention page")
	}

	// A period of a nanosecond makes everything recorded so far old enough.
	e := newEnv(t, func(c *handlers.Config) { c.ActivityRetention, c.ArchiveRetention = time.Nanosecond, 30*24*time.Hour })
	m := &store.Message{ClientID: e.client.ID, Category: store.CategoryGeneral, Subject: "Aviso", From: "zona@example.mx",
		Copies: []store.Copy{{Kind: "owner", PersonID: e.client.ID, To: e.client.Email}}}
	if err := e.st.QueueMessage(m, store.Content{Body: store.MessageBody{Text: "Hola"}}, "example.mx",
		store.Event{Kind: store.KindEmailQueued, Actor: store.Actor{Kind: store.ActorSystem}}); err != nil {
		t.Fatal(err)
	}
	a, _ = mustStaffAgent(t, e)
	r = a.get("/admin/retention")
	// Counted after the page, by then every entry is older than its cutoff too.
	time.Sleep(2 * time.Millisecond)
	want, err := e.st.PreviewRetention(time.Now(), time.Now().Add(-30*24*time.Hour))
	if err != nil || want.Entries < 2 {
		t.Fatalf("preview: %+v, %v", want, err)
	}
	for id, v := range map[string]string{
		"retention-activity-keep":       "1ns",
		"retention-activity-entries":    strconv.Itoa(want.Entries),
		"retention-archive-keep":        "30 días",
		"retention-archive-messages":    "0",
		"retention-archive-waiting":     "0",
		"retention-activity-histories":  "1",
		"retention-archive-attachments": "0",
	} {
		if got := r.text(`[data-testid="` + id + `"]`); got != v {
			t.Errorf("%s: %q, want %q", id, got, v)
		}
	}
	if n, _ := e.st.VerifyActivity(e.client.ID); n != want.Entries {
		t.Errorf("showing the page removed entries: %d left of %d", n, want.Entries)
	}
	support := plantStaffSession(t, e, mustStaffRole(t, e, "Sofía Ruiz", "sofia@example.mx", store.RoleSupport))
	if r := support.get("/admin/retention"); r.StatusCode != http.StatusForbidden {
		t.Fatalf("support at the retention page: %d", r.StatusCode)
	}
}

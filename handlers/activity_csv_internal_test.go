package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"zona/locales"
	"zona/store"
	"zona/views"
)

func TestWriteCSVLineQuotes(t *testing.T) {
	var b bytes.Buffer
	writeCSVLine(&b, []string{"plain", "a;b", "a,b", `say "hi"`, "two\nlines", " lead", "trail ", "", "ñ → ü"})
	want := "plain,\"a;b\",\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" lead\",\"trail \",,ñ → ü\r\n"
	if b.String() != want {
		t.Errorf("line\n%q, want\n%q", b.String(), want)
	}
}

// failingHistory is the real store's history that fails once it has given after entries.
type failingHistory struct {
	st    *store.Store
	after int
	given int
}

var errInjected = errors.New("injected store failure")

func (f *failingHistory) QueryActivity(clientID string, q store.ActivityQuery) (store.ActivityPage, error) {
	if f.given >= f.after {
		return store.ActivityPage{}, errInjected
	}
	p, err := f.st.QueryActivity(clientID, q)
	f.given += len(p.Entries)
	return p, err
}

// TestActivityCSVStoreFailureIsNotAComplete200 serves the export over a real connection
// from a real store that fails after the first chunk: the download must end in an error,
// not in a file that looks complete. A store that fails at once gets an error status.
func TestActivityCSVStoreFailureIsNotAComplete200(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := store.Open(t.TempDir(), log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cl := &store.Client{Email: "ana@example.mx", FirstName: "Ana", LastName: "López"}
	if err := st.CreateClient(cl, store.Event{Kind: store.KindAccountCreated, Actor: store.Actor{Kind: store.ActorSystem}}); err != nil {
		t.Fatal(err)
	}
	for i := range 2*csvChunk + 10 {
		ev := store.Event{Kind: store.KindSignIn, Actor: store.Actor{Kind: store.ActorOwner, Name: "Ana"}, IP: fmt.Sprint("10.0.", i/200, ".", i%200)}
		if err := st.Record(cl.ID, ev); err != nil {
			t.Fatal(err)
		}
	}
	ctx := views.WithCtx(context.Background(), &views.Ctx{Tr: locales.For(locales.ES), Loc: time.UTC})
	failAfter := -1
	app := fiber.New()
	app.Get("/activity.csv", func(c *fiber.Ctx) error {
		var src activitySource = st
		if failAfter >= 0 {
			src = &failingHistory{st: st, after: failAfter}
		}
		return sendActivityCSV(c, newActivityCSV(ctx, src, cl.ID, store.ActivityFilter{}, time.UTC, log))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { app.Shutdown() })
	get := func() (*http.Response, []byte, error) {
		t.Helper()
		resp, err := http.Get("http://" + ln.Addr().String() + "/activity.csv")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		return resp, body, err
	}

	resp, body, err := get()
	if err != nil || resp.StatusCode != http.StatusOK || bytes.Count(body, []byte("\r\n")) != 1+2*csvChunk+11 {
		t.Fatalf("healthy store: status %d, %d lines, err %v", resp.StatusCode, bytes.Count(body, []byte("\r\n")), err)
	}

	failAfter = csvChunk
	resp, body, err = get()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d once the download started", resp.StatusCode)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("a store failure halfway ended the download with %v after %d bytes, want an unexpected EOF (a failed download)", err, len(body))
	}
	if n := bytes.Count(body, []byte("\r\n")); n < 1+csvChunk {
		t.Errorf("only %d lines arrived before the failure", n)
	}

	failAfter = 0
	resp, _, _ = get()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("a store failing at once: status %d, want 500", resp.StatusCode)
	}
}

package handlers_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"zona/secure"
	"zona/store"
)

// burstSize is how many requests each limit test sends at once.
const burstSize = 50

// burst posts form (with the agent's cookies and CSRF token) to path burstSize times at
// once and returns the statuses and bodies.
func (a *agent) burst(t *testing.T, path string, form func(i int) url.Values) ([]int, []string) {
	t.Helper()
	return a.burstRequests(t, func(i int) *http.Request {
		f := form(i)
		f.Set("_csrf", a.csrf)
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req
	})
}

// burstRequests sends the burstSize requests that req makes, with the agent's cookies, at
// once, and returns the statuses and bodies.
func (a *agent) burstRequests(t *testing.T, req func(i int) *http.Request) ([]int, []string) {
	t.Helper()
	statuses, bodies := make([]int, burstSize), make([]string, burstSize)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range burstSize {
		r := req(i)
		for k, v := range a.cookies {
			r.AddCookie(&http.Cookie{Name: k, Value: v})
		}
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			res, err := a.e.app.Test(r, -1)
			if err != nil {
				t.Error(err)
				return
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			statuses[i], bodies[i] = res.StatusCode, string(b)
		}()
	}
	start.Done()
	done.Wait()
	return statuses, bodies
}

func countStatus(statuses []int, want int) int {
	n := 0
	for _, s := range statuses {
		if s == want {
			n++
		}
	}
	return n
}

func countKind(t *testing.T, e *env, kind string) int {
	t.Helper()
	all, _, err := e.st.ListActivity(e.client.ID, "", 500)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, en := range all {
		if en.Kind == kind {
			n++
		}
	}
	return n
}

// Fifty wrong passwords at once for one email: at most the limit (10) are checked, the
// others are told to wait, and the right password is refused while the lock lasts.
func TestSignInLimitHoldsUnderBurst(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.get("/login")
	statuses, _ := a.burst(t, "/login", func(i int) url.Values {
		return url.Values{"email": {testEmail}, "password": {"Equivocada-" + string(rune('a'+i%26)) + "1!"}}
	})
	if got := countKind(t, e, store.KindSignInFailed); got != 10 {
		t.Errorf("%d wrong passwords checked, want 10 (statuses %v)", got, statuses)
	}
	if got := countStatus(statuses, http.StatusTooManyRequests); got != burstSize-10 {
		t.Errorf("%d refused as locked, want %d", got, burstSize-10)
	}
	r := a.post("/login", url.Values{"email": {testEmail}, "password": {testPassword}})
	if r.StatusCode != http.StatusTooManyRequests || !strings.Contains(r.body, "Demasiados intentos") {
		t.Fatalf("right password while locked: %d %.200s", r.StatusCode, r.body)
	}
}

// The same at the console's sign-in.
func TestStaffSignInLimitHoldsUnderBurst(t *testing.T) {
	e := newEnv(t)
	st := mustStaff(t, e, "Luis Pérez", "luis.ops@example.mx")
	a := e.agent()
	a.get("/admin/login")
	statuses, _ := a.burst(t, "/admin/login", func(int) url.Values {
		return url.Values{"email": {st.Email}, "password": {"Equivocada-2026!"}}
	})
	if got := countStatus(statuses, http.StatusOK); got != 10 {
		t.Errorf("%d wrong passwords checked, want 10 (statuses %v)", got, statuses)
	}
	if r := a.staffSignIn(st.Email, staffPassword); r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("right password while locked: %d", r.StatusCode)
	}
}

// Fifty PIN checks at once for one account in the console: at most five are checked.
func TestConsolePINLimitHoldsUnderBurst(t *testing.T) {
	e := newEnv(t)
	setPIN(t, e, "402917")
	a, _ := mustStaffAgent(t, e)
	path := "/admin/clients/" + e.client.ID
	a.get(path)
	a.burst(t, path+"/pin", func(int) url.Values { return url.Values{"pin": {"111222"}} })
	if got := countKind(t, e, store.KindPINMismatched); got != store.MaxPINFailures {
		t.Errorf("%d wrong PINs checked, want %d", got, store.MaxPINFailures)
	}
	if got := countKind(t, e, store.KindPINLocked); got != burstSize-store.MaxPINFailures {
		t.Errorf("%d refused checks recorded, want %d", got, burstSize-store.MaxPINFailures)
	}
	a.get(path)
	r := a.post(path+"/pin", url.Values{"pin": {"402917"}})
	if got := r.text(`[data-testid="admin-pin-result"]`); !strings.HasPrefix(got, "Bloqueado") {
		t.Fatalf("right PIN while locked: %q", got)
	}
}

// Fifty PIN checks at once across many accounts from one address: at most 20 are checked.
func TestConsolePINAddressLimitHoldsUnderBurst(t *testing.T) {
	e := newEnv(t)
	a, _ := mustStaffAgent(t, e)
	hash, err := secure.Hash(context.Background(), "402917")
	if err != nil {
		t.Fatal(err)
	}
	clients := make([]*store.Client, burstSize)
	for i := range clients {
		clients[i] = newBurstClient(t, e, i)
		if _, err := e.st.SetPIN(clients[i].ID, hash, store.Event{Actor: store.Actor{Kind: store.ActorSystem}}); err != nil {
			t.Fatal(err)
		}
	}
	a.get("/admin/clients/" + clients[0].ID)
	statuses, _ := a.burstRequests(t, func(i int) *http.Request {
		f := url.Values{"pin": {"111222"}, "_csrf": {a.csrf}}
		req := httptest.NewRequest(http.MethodPost, "/admin/clients/"+clients[i].ID+"/pin", strings.NewReader(f.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		return req
	})
	checked := 0
	for _, c := range clients {
		all, _, err := e.st.ListActivity(c.ID, "", 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, en := range all {
			if en.Kind == store.KindPINMismatched {
				checked++
			}
		}
	}
	if checked != 20 {
		t.Errorf("%d wrong PINs checked from one address, want 20 (statuses %v)", checked, statuses)
	}
}

func newBurstClient(t *testing.T, e *env, i int) *store.Client {
	t.Helper()
	c := &store.Client{Email: "cliente" + string(rune('a'+i/26)) + string(rune('a'+i%26)) + "@example.mx", FirstName: "Cliente", LastName: "Prueba"}
	if err := e.st.CreateClient(c, store.Event{Kind: store.KindAccountCreated, Actor: store.Actor{Kind: store.ActorSystem}}); err != nil {
		t.Fatal(err)
	}
	return c
}

// The store's own PIN check, which the CLI calls, holds under a burst too.
func TestVerifyPINLimitHoldsUnderBurst(t *testing.T) {
	e := newEnv(t)
	setPIN(t, e, "402917")
	var wg sync.WaitGroup
	results := make([]store.PINResult, burstSize)
	for i := range burstSize {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, _, err := e.st.VerifyPIN(context.Background(), e.client.ID, "111222", store.Event{Actor: store.Actor{Kind: store.ActorSystem}})
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		}()
	}
	wg.Wait()
	n := 0
	for _, r := range results {
		if r == store.PINNoMatch {
			n++
		}
	}
	if n != store.MaxPINFailures {
		t.Errorf("%d PINs checked, want %d: %v", n, store.MaxPINFailures, results)
	}
	if res, _, _ := e.st.VerifyPIN(context.Background(), e.client.ID, "402917", store.Event{Actor: store.Actor{Kind: store.ActorSystem}}); res != store.PINLocked {
		t.Fatalf("right PIN while locked: %s", res)
	}
}

// Fifty wrong current passwords at once on the change form: at most 10 are checked.
func TestPasswordCheckLimitHoldsUnderBurst(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.mustSignIn()
	a.get("/password")
	_, bodies := a.burst(t, "/password", func(int) url.Values {
		return url.Values{"current": {"Equivocada-2026!"}, "new": {"Otra-Clave-Nueva-2026!"}, "confirm": {"Otra-Clave-Nueva-2026!"}}
	})
	locked := 0
	for _, b := range bodies {
		if strings.Contains(b, "Demasiados intentos") {
			locked++
		}
	}
	if locked != burstSize-10 {
		t.Errorf("%d answered as locked, want %d: at most 10 wrong current passwords may be checked", locked, burstSize-10)
	}
	if got := countKind(t, e, store.KindPasswordChanged); got != 0 {
		t.Fatalf("password changed %d times", got)
	}
}

// Fifty dead invitation links at once from one address: at most 20 are looked up.
func TestInvitationLimitHoldsUnderBurst(t *testing.T) {
	e := newEnv(t)
	statuses, _ := e.agent().burstRequests(t, func(int) *http.Request {
		return httptest.NewRequest(http.MethodGet, "/invite/"+secure.Token(), nil)
	})
	if got := countStatus(statuses, http.StatusGone); got != 20 {
		t.Errorf("%d dead links looked up, want 20 (statuses %v)", got, statuses)
	}
	if got := countStatus(statuses, http.StatusTooManyRequests); got != burstSize-20 {
		t.Errorf("%d refused, want %d", got, burstSize-20)
	}
}

// Fifty reset requests at once from one address: at most 10 are taken.
func TestResetLimitHoldsUnderBurst(t *testing.T) {
	e := newEnv(t)
	a := e.agent()
	a.get("/password/forgot")
	statuses, _ := a.burst(t, "/password/forgot", func(i int) url.Values {
		return url.Values{"email": {"nadie" + string(rune('a'+i%26)) + "@example.mx"}}
	})
	if got := countStatus(statuses, http.StatusOK); got != 10 {
		t.Errorf("%d reset requests taken, want 10 (statuses %v)", got, statuses)
	}
}

package handlers_test

import (
	"strings"
	"testing"
	"time"
)

func TestSignInFromANewKindOfDeviceIsNoticed(t *testing.T) {
	m := newMailEnv(t)
	const chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	const firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0"
	signIn := func(ua string) {
		a := m.agent()
		a.headers["User-Agent"] = ua
		a.mustSignIn()
	}
	signIn(chrome) // the first device of the account: nothing to notice
	signIn(chrome)
	signIn(firefox)
	signIn(firefox)
	got := m.deliver(1)
	time.Sleep(200 * time.Millisecond)
	if n := len(m.smtp.Received()); n != 1 {
		t.Fatalf("%d notices, want 1 (for the first Firefox sign-in only)", n)
	}
	text := got[0].Part("text/plain")
	if !strings.Contains(text, "Firefox") || got[0].To[0] != testEmail {
		t.Fatalf("notice does not name the device:\n%s", text)
	}
}

package secure

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestHashVerify(t *testing.T) {
	ctx := context.Background()
	h, err := Hash(ctx, "Clave-Segura-2026!")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q does not use OWASP's parameters", h)
	}
	if ok, err := Verify(ctx, h, "Clave-Segura-2026!"); !ok || err != nil {
		t.Fatalf("right password: %v %v", ok, err)
	}
	if ok, err := Verify(ctx, h, "clave-segura-2026!"); ok || err != nil {
		t.Fatalf("wrong password: %v %v", ok, err)
	}
	h2, _ := Hash(ctx, "Clave-Segura-2026!")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
}

func TestStoredParametersAreBounded(t *testing.T) {
	for _, bad := range []string{
		"",
		"$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=4194304,t=2,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=19456,t=1000,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=19456,t=2,p=64$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=19456,t=2,p=1$!!$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5",
	} {
		if _, err := Verify(context.Background(), bad, "x"); !errors.Is(err, ErrMalformed) {
			t.Errorf("Verify(%q): %v, want ErrMalformed", bad, err)
		}
	}
}

func TestHashingIsBounded(t *testing.T) {
	SetConcurrency(1)
	defer SetConcurrency(runtime.GOMAXPROCS(0))
	release, err := acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := Hash(ctx, "Clave-Segura-2026!"); !errors.Is(err, ErrBusy) {
		t.Fatalf("hash with every slot taken: %v, want ErrBusy", err)
	}
}

func TestCheckPassword(t *testing.T) {
	for pw, want := range map[string]string{
		"":                          "form.password_required",
		"corta":                     "form.password_short",
		strings.Repeat("a", 129):    "form.password_long",
		"contraseña\xff\xfe-larga1": "form.invalid_chars",
		"Clave-Segura-2026!":        "",
		"ñandú-Ñandú-2026":          "",
	} {
		if got := CheckPassword(pw); got != want {
			t.Errorf("CheckPassword(%.20q) = %q, want %q", pw, got, want)
		}
	}
}

func TestTokens(t *testing.T) {
	a, b := Token(), Token()
	if a == b || len(a) < 43 {
		t.Fatalf("tokens %q %q", a, b)
	}
	if string(TokenHash(a)) == string(TokenHash(b)) || len(TokenHash(a)) != 32 {
		t.Fatal("token hashes")
	}
}

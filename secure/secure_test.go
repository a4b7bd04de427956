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

func TestPasswordPolicy(t *testing.T) {
	personal := []string{"ana.lopez@example.mx", "Ana", "López Ramírez"}
	for _, tc := range []struct {
		pw   string
		want string // the first problem, "" when accepted
	}{
		{"", "form.password_required"},
		{"Ab1!xyzq", "form.password_short"},
		{strings.Repeat("a1!", 43), "form.password_long"},
		{"contraseña\xff\xfe-larga1", "form.invalid_chars"},
		{"tortuga-marina-azul!", "form.password_digit"},
		{"tortuga7marina4azul", "form.password_special"},
		{"password123!", "form.password_common"},
		{"Password1!", "form.password_common"},
		{"Password12!", "form.password_weak"},
		{"qwerty123!", "form.password_common"},
		{"Ramirez#2026tigre", "form.password_personal"},
		{"xX.ana.lopez.9!", "form.password_personal"},
		{"aaaaaaaaaa1!", "form.password_weak"},
		{"glaciar marimba tostada 7 ventana!", ""},
		{"Clave-Segura-2026!", ""},
		{"ñandú-Ñandú-2026-vuela", ""},
	} {
		v := EvaluatePassword(tc.pw, personal...)
		got := ""
		if len(v.Problems) > 0 {
			got = v.Problems[0]
		}
		if got != tc.want {
			t.Errorf("%.30q: first problem %q (all %v, score %d), want %q", tc.pw, got, v.Problems, v.Score, tc.want)
		}
		if tc.want == "" && v.Score < MinScore {
			t.Errorf("%.30q accepted with score %d", tc.pw, v.Score)
		}
		if tc.want != "" && v.Score > 1 {
			t.Errorf("%.30q refused but scored %d: the meter would call it strong", tc.pw, v.Score)
		}
	}
	if len(common) < 10000 {
		t.Fatalf("the breached list has %d entries, want at least 10,000", len(common))
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

package store

import (
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTOTPWindowAndReplay: a code is accepted one step either side of now and never twice;
// an older step than the last accepted one is refused too. The secret is sealed at rest.
func TestTOTPWindowAndReplay(t *testing.T) {
	s, _ := mustOpen(t)
	now := time.Unix(1_800_000_015, 0)
	secret := NewTOTPSecret()
	k := ClientFactor("01HZZZZZZZZZZZZZZZZZZZZZZZ", "")
	_, hashes := NewRecoveryCodes(RecoveryCodes)
	if ok, err := s.EnrollTOTP(k, secret, codeAt(t, secret, now.Add(-90*time.Second)), hashes, now, "", Event{}); err != nil || ok {
		t.Fatalf("a code three steps old confirmed the setup: %v %v", ok, err)
	}
	if ok, err := s.EnrollTOTP(k, secret, codeAt(t, secret, now.Add(-30*time.Second)), hashes, now, "", Event{}); err != nil || !ok {
		t.Fatalf("setup: %v %v", ok, err)
	}
	f, _ := s.SecondFactorOf(k)
	if string(f.Sealed) == secret || len(f.Sealed) < 30 {
		t.Fatal("the secret is stored in the clear")
	}
	for _, tc := range []struct {
		name string
		at   time.Duration
		want bool
	}{
		{"the setup's own code again", -30 * time.Second, false},
		{"two steps ahead", 60 * time.Second, false},
		{"the current step", 0, true},
		{"the current step again", 0, false},
		{"one step ahead", 30 * time.Second, true},
		{"the current step after a later one", 0, false},
	} {
		ok, err := s.CheckTOTP(k, codeAt(t, secret, now.Add(tc.at)), now)
		if err != nil || ok != tc.want {
			t.Errorf("%s: %v %v, want %v", tc.name, ok, err, tc.want)
		}
	}
}

// TestRecoveryCodesOnce: each recovery code works once, typed in any case with or without
// its dash.
func TestRecoveryCodesOnce(t *testing.T) {
	s, _ := mustOpen(t)
	now := time.Now()
	secret := NewTOTPSecret()
	k := ClientFactor("01HZZZZZZZZZZZZZZZZZZZZZZZ", "")
	codes, hashes := NewRecoveryCodes(RecoveryCodes)
	if ok, err := s.EnrollTOTP(k, secret, codeAt(t, secret, now), hashes, now, "", Event{}); !ok || err != nil {
		t.Fatal(ok, err)
	}
	typed := codes[0][:5] + codes[0][6:]
	if ok, left, err := s.UseRecoveryCode(k, " "+typed+" ", "", Event{}); !ok || left != RecoveryCodes-1 || err != nil {
		t.Fatalf("first use: %v %d %v", ok, left, err)
	}
	if ok, _, err := s.UseRecoveryCode(k, codes[0], "", Event{}); ok || err != nil {
		t.Fatalf("second use: %v %v", ok, err)
	}
}

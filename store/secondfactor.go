package store

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters (RFC 6238 as every authenticator app reads them): a 30-second step,
// 6 digits, SHA-1, and one step of clock skew either way.
const (
	TOTPPeriod = 30
	TOTPDigits = 6
	totpSkew   = 1
	// RecoveryCodes is how many single-use recovery codes an enrollment hands out.
	RecoveryCodes = 10
)

// Entry kinds of the second factor.
const (
	KindTwoFAEnabled    = "auth.2fa_enabled"
	KindTwoFARemoved    = "auth.2fa_removed"
	KindTwoFAFailed     = "auth.2fa_failed"
	KindRecoveryUsed    = "auth.recovery_used"
	KindRecoveryRenewed = "auth.recovery_renewed"
)

// ErrFactorExists: the person already has a second factor; it must be removed first.
var ErrFactorExists = errors.New("store: a second factor is already set up")

// FactorKey names whose second factor a record is: an owner or contact of a client
// (ClientFactor) or a staff member (StaffFactor).
type FactorKey string

// ClientFactor is the second factor of a client's owner (person "") or of its contact
// person.
func ClientFactor(clientID, person string) FactorKey {
	if person == "" {
		person = "owner"
	}
	return FactorKey("factor/" + clientID + "/" + person)
}

// StaffFactor is the second factor of a staff member.
func StaffFactor(staffID string) FactorKey { return FactorKey("stafffactor/" + staffID) }

// SecondFactor is one person's TOTP second factor. The secret is needed to check codes, so
// it is kept, sealed with the server secret secret/totp (AES-256-GCM); recovery codes are
// kept as SHA-256 hashes only (they are random, 50 bits each, so a plain hash suffices).
type SecondFactor struct {
	Sealed   []byte    `json:"totp"`
	Added    time.Time `json:"added"`
	LastStep int64     `json:"last_step"` // the newest step whose code was accepted: it cannot be used again
	Recovery []string  `json:"recovery"`  // hex SHA-256 of each unused recovery code
}

// NewTOTPSecret makes a new TOTP secret: 160 random bits in base32, as RFC 4226 advises.
func NewTOTPSecret() string {
	b := make([]byte, 20)
	rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}

// TOTPURI is the otpauth:// URI of secret that an authenticator app reads from a QR code,
// labelled with issuer and account.
func TOTPURI(issuer, account, secret string) string {
	q := url.Values{"secret": {secret}, "issuer": {issuer}, "algorithm": {"SHA1"},
		"digits": {strconv.Itoa(TOTPDigits)}, "period": {strconv.Itoa(TOTPPeriod)}}
	return "otpauth://totp/" + url.PathEscape(issuer+":"+account) + "?" + q.Encode()
}

// TOTPStep is the TOTP step of t.
func TOTPStep(t time.Time) int64 { return t.Unix() / TOTPPeriod }

// matchTOTP returns the step within the skew of now whose code is code and is newer than
// after, or 0.
func matchTOTP(secret, code string, now time.Time, after int64) int64 {
	if len(code) != TOTPDigits {
		return 0
	}
	cur := TOTPStep(now)
	for s := cur - totpSkew; s <= cur+totpSkew; s++ {
		if s <= after {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*TOTPPeriod, 0), totp.ValidateOpts{
			Period: TOTPPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s
		}
	}
	return 0
}

// NewRecoveryCodes makes n recovery codes ("xxxxx-xxxxx", lower-case base32) and their
// hashes as stored.
func NewRecoveryCodes(n int) (codes, hashes []string) {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	for range n {
		b := make([]byte, 10)
		rand.Read(b)
		for i := range b {
			b[i] = alphabet[int(b[i])%len(alphabet)]
		}
		code := string(b[:5]) + "-" + string(b[5:])
		codes, hashes = append(codes, code), append(hashes, recoveryHash(code))
	}
	return codes, hashes
}

// NormalizeRecoveryCode is a recovery code as typed (any case, with or without its dash
// and spaces) in the form it was made.
func NormalizeRecoveryCode(s string) string {
	s = strings.ToLower(strings.NewReplacer(" ", "", "-", "").Replace(s))
	if len(s) != 10 {
		return s
	}
	return s[:5] + "-" + s[5:]
}

func recoveryHash(code string) string {
	sum := sha256.Sum256([]byte(NormalizeRecoveryCode(code)))
	return hex.EncodeToString(sum[:])
}

// sealer is the AEAD that seals TOTP secrets, keyed by the server secret secret/totp.
func (s *Store) sealer() (cipher.AEAD, error) {
	key, err := s.Secret("totp")
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// SecondFactorOf returns k's second factor, or ErrNotFound.
func (s *Store) SecondFactorOf(k FactorKey) (*SecondFactor, error) {
	var f SecondFactor
	if err := s.db.View(func(txn *badger.Txn) error { return get(txn, string(k), &f) }); err != nil {
		return nil, err
	}
	return &f, nil
}

// ClientFactors lists which people of clientID have a second factor (TOTP or a passkey):
// "" for the owner, contact IDs for contacts.
func (s *Store) ClientFactors(clientID string) (map[string]bool, error) {
	out := map[string]bool{}
	err := s.db.View(func(txn *badger.Txn) error {
		for _, prefix := range []string{"factor/" + clientID + "/", "passkey/" + clientID + "/"} {
			it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix)})
			for it.Rewind(); it.Valid(); it.Next() {
				person, _, _ := strings.Cut(strings.TrimPrefix(string(it.Item().Key()), prefix), "/")
				if person == "owner" {
					person = ""
				}
				out[person] = true
			}
			it.Close()
		}
		return nil
	})
	return out, err
}

// EnrollTOTP sets up k's TOTP second factor with secret, once code (a code of that secret
// now) proves the person's app has it, with the recovery codes hashes. The confirming
// code's step counts as used. It records ev (kind KindTwoFAEnabled) in clientID's history
// in the same transaction (a staff member's, clientID "", goes to no history). It reports
// false when code is wrong, and ErrFactorExists when k already has a factor.
func (s *Store) EnrollTOTP(k FactorKey, secret, code string, hashes []string, now time.Time, clientID string, ev Event) (bool, error) {
	step := matchTOTP(secret, code, now, 0)
	if secret == "" || step == 0 {
		return false, nil
	}
	aead, err := s.sealer()
	if err != nil {
		return false, err
	}
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	f := SecondFactor{Sealed: aead.Seal(nonce, nonce, []byte(secret), []byte(k)), Added: now.UTC(), LastStep: step, Recovery: hashes}
	return true, s.update(func(txn *badger.Txn) error {
		if _, err := txn.Get([]byte(k)); err == nil {
			return ErrFactorExists
		} else if !errors.Is(err, badger.ErrKeyNotFound) {
			return err
		}
		if err := put(txn, string(k), &f); err != nil {
			return err
		}
		return record(txn, clientID, ev, KindTwoFAEnabled)
	})
}

// CheckTOTP reports whether code is k's TOTP code within one step of now and newer than
// the last code accepted, and if so remembers its step: a code works once. Checks take
// turns (update), so two requests with one code cannot both pass. Without a TOTP factor
// no code is right.
func (s *Store) CheckTOTP(k FactorKey, code string, now time.Time) (bool, error) {
	aead, err := s.sealer()
	if err != nil {
		return false, err
	}
	ok := false
	err = s.update(func(txn *badger.Txn) error {
		var f SecondFactor
		if err := get(txn, string(k), &f); errors.Is(err, ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		ns := aead.NonceSize()
		if len(f.Sealed) < ns {
			return errors.New("store: sealed TOTP secret too short")
		}
		secret, err := aead.Open(nil, f.Sealed[:ns], f.Sealed[ns:], []byte(k))
		if err != nil {
			return err
		}
		step := matchTOTP(string(secret), code, now, f.LastStep)
		if step == 0 {
			return nil
		}
		ok, f.LastStep = true, step
		return put(txn, string(k), &f)
	})
	return ok, err
}

// UseRecoveryCode spends code, one of k's unused recovery codes, recording ev (kind
// KindRecoveryUsed, with how many are left) in clientID's history. It reports whether the
// code was one (never, without a TOTP factor), and how many are left.
func (s *Store) UseRecoveryCode(k FactorKey, code, clientID string, ev Event) (ok bool, left int, err error) {
	h := recoveryHash(code)
	err = s.update(func(txn *badger.Txn) error {
		var f SecondFactor
		if err := get(txn, string(k), &f); errors.Is(err, ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		i := slices.IndexFunc(f.Recovery, func(r string) bool { return subtle.ConstantTimeCompare([]byte(r), []byte(h)) == 1 })
		if i < 0 {
			return nil
		}
		f.Recovery = slices.Delete(f.Recovery, i, i+1)
		ok, left = true, len(f.Recovery)
		if err := put(txn, string(k), &f); err != nil {
			return err
		}
		ev.Detail = map[string]string{"left": strconv.Itoa(left)}
		return record(txn, clientID, ev, KindRecoveryUsed)
	})
	return ok, left, err
}

// RenewRecoveryCodes replaces k's recovery codes by hashes, recording ev (kind
// KindRecoveryRenewed) in clientID's history.
func (s *Store) RenewRecoveryCodes(k FactorKey, hashes []string, clientID string, ev Event) error {
	return s.update(func(txn *badger.Txn) error {
		var f SecondFactor
		if err := get(txn, string(k), &f); err != nil {
			return err
		}
		f.Recovery = hashes
		if err := put(txn, string(k), &f); err != nil {
			return err
		}
		return record(txn, clientID, ev, KindRecoveryRenewed)
	})
}

// RemoveSecondFactor removes k's second factor and records ev (its Kind, or
// KindTwoFARemoved when empty) in clientID's history; ErrNotFound when there is none.
func (s *Store) RemoveSecondFactor(k FactorKey, clientID string, ev Event) error {
	return s.update(func(txn *badger.Txn) error {
		if _, err := txn.Get([]byte(k)); errors.Is(err, badger.ErrKeyNotFound) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if err := txn.Delete([]byte(k)); err != nil {
			return err
		}
		return record(txn, clientID, ev, KindTwoFARemoved)
	})
}

// RemoveAllFactors removes every second factor of clientID's person (TOTP with its recovery
// codes, and passkeys) and records ev (kind KindTwoFARemoved) in one transaction;
// ErrNotFound when the person has none. Staff do this for someone who lost their phone.
func (s *Store) RemoveAllFactors(clientID, person string, ev Event) error {
	return s.update(func(txn *badger.Txn) error {
		removed, err := dropFactors(txn, clientID, person)
		if err != nil {
			return err
		}
		if !removed {
			return ErrNotFound
		}
		return record(txn, clientID, ev, KindTwoFARemoved)
	})
}

// dropFactors deletes every second factor of clientID's person and reports whether there
// was one.
func dropFactors(txn *badger.Txn, clientID, person string) (bool, error) {
	keys := [][]byte{[]byte(ClientFactor(clientID, person))}
	if _, err := txn.Get(keys[0]); errors.Is(err, badger.ErrKeyNotFound) {
		keys = nil
	} else if err != nil {
		return false, err
	}
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(passkeyPrefix(clientID, person))})
	for it.Rewind(); it.Valid(); it.Next() {
		keys = append(keys, it.Item().KeyCopy(nil))
	}
	it.Close()
	for _, k := range keys {
		if err := txn.Delete(k); err != nil {
			return false, err
		}
	}
	return len(keys) > 0, nil
}

// record appends ev to clientID's history with kind (unless ev names its own); a staff
// member's factor (clientID "") belongs to no history.
func record(txn *badger.Txn, clientID string, ev Event, kind string) error {
	if clientID == "" {
		return nil
	}
	if ev.Kind == "" {
		ev.Kind = kind
	}
	return appendEntry(txn, clientID, ev)
}

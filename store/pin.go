package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"zona/secure"
)

// Consent is a person's recorded answer to an opt-in: whether it was given, and when and
// from which address it was last answered.
type Consent struct {
	Given bool `json:"given"`
	// Pending is a consent asked for on the person's behalf (an owner ticked marketing for a
	// contact) and not yet confirmed by the person: it is not Given until they confirm.
	Pending bool      `json:"pending,omitempty"`
	At      time.Time `json:"at,omitzero"`
	IP      string    `json:"ip,omitempty"`
}

// PIN rules and limits.
const (
	PINLength = 6
	// MaxPINFailures wrong PINs within PINFailureWindow lock the PIN checks of an account
	// until the oldest of them leaves the window.
	MaxPINFailures   = 5
	PINFailureWindow = 15 * time.Minute
)

// History kinds of the account details and the security PIN.
const (
	KindAccountUpdated       = "account.updated"
	KindEmailChangeRequested = "account.email_change_requested"
	KindEmailChanged         = "account.email_changed"
	KindPINChanged           = "account.pin_changed"
	KindPINMatched           = "account.pin_matched"
	KindPINMismatched        = "account.pin_mismatched"
	KindPINLocked            = "account.pin_locked"
)

// CheckPIN returns the translation key of what is wrong with a new security PIN, or "".
// A PIN is six digits, not all the same, not a run up or down (123456, 654321), and not
// the birth date of the RFC rfc as YYMMDD or DDMMYY.
func CheckPIN(pin, rfc string) string {
	if len(pin) != PINLength || strings.Trim(pin, "0123456789") != "" {
		return "form.pin_format"
	}
	same, up, down := true, true, true
	for i := 1; i < len(pin); i++ {
		d := int(pin[i]) - int(pin[i-1])
		same = same && d == 0
		up = up && d == 1
		down = down && d == -1
	}
	if same || up || down {
		return "form.pin_trivial"
	}
	for _, d := range RFCBirthDigits(rfc) {
		if pin == d {
			return "form.pin_birthdate"
		}
	}
	return ""
}

// PINResult is the outcome of one PIN check.
type PINResult string

// The outcomes of VerifyPIN.
const (
	PINMatch   PINResult = "match"
	PINNoMatch PINResult = "no_match"
	// PINLocked: too many wrong PINs lately; the PIN was not checked.
	PINLocked PINResult = "locked"
	// PINNotSet: the account has no PIN.
	PINNotSet PINResult = "not_set"
)

// pinFailures are the times of an account's recent wrong PINs, kept in the domain store
// (pinfail/<clientID>) so that every process checking PINs shares one count.
type pinFailures struct {
	At []time.Time `json:"at"`
}

func pinFailKey(clientID string) string { return "pinfail/" + clientID }

func (f *pinFailures) recent(now time.Time) []time.Time {
	var out []time.Time
	for _, t := range f.At {
		if now.Sub(t) < PINFailureWindow {
			out = append(out, t)
		}
	}
	return out
}

// VerifyPIN checks pin against the security PIN of clientID and records the check (its
// result, who asked through ev.Actor, from where) in the client's history. After
// MaxPINFailures wrong PINs within PINFailureWindow it refuses to check (PINLocked, also
// recorded) until the window has moved on; a right PIN clears the count. Each check is
// counted as a failure before the PIN is hashed and forgiven when it matches, so a burst of
// concurrent checks gets at most MaxPINFailures of them checked. The support console and
// the CLI both call it: it is the one place a PIN is verified. The second value is how long
// a lock lasts.
func (s *Store) VerifyPIN(ctx context.Context, clientID, pin string, ev Event) (PINResult, time.Duration, error) {
	c, err := s.ClientByID(clientID)
	if err != nil {
		return "", 0, err
	}
	if c.PINHash == "" {
		return PINNotSet, 0, nil
	}
	result := PINNoMatch
	reserved, wait, err := s.reservePINCheck(clientID, time.Now().UTC())
	if err != nil {
		return "", 0, err
	}
	if !reserved {
		result = PINLocked
	} else if ok, err := secure.Verify(ctx, c.PINHash, pin); err != nil {
		return "", 0, err
	} else if ok {
		result, wait = PINMatch, 0
	}
	err = s.update(func(txn *badger.Txn) error {
		if result == PINMatch {
			if err := txn.Delete([]byte(pinFailKey(clientID))); err != nil {
				return err
			}
		}
		e := ev
		e.Kind = map[PINResult]string{PINMatch: KindPINMatched, PINNoMatch: KindPINMismatched, PINLocked: KindPINLocked}[result]
		e.Detail = map[string]string{"result": string(result)}
		for k, v := range ev.Detail {
			e.Detail[k] = v
		}
		return appendEntry(txn, clientID, e)
	})
	if err != nil {
		return "", 0, err
	}
	return result, wait, nil
}

// reservePINCheck counts a PIN check of clientID as a failure at now unless MaxPINFailures
// are already within the window, and reports whether it did, with how long the lock lasts
// once the count is full. Transactions take turns (update), so concurrent checks count one
// after another.
func (s *Store) reservePINCheck(clientID string, now time.Time) (reserved bool, wait time.Duration, err error) {
	err = s.update(func(txn *badger.Txn) error {
		var f pinFailures
		if err := get(txn, pinFailKey(clientID), &f); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		f.At = f.recent(now)
		reserved = len(f.At) < MaxPINFailures
		if reserved {
			f.At = append(f.At, now)
		}
		if len(f.At) >= MaxPINFailures {
			wait = PINFailureWindow - now.Sub(f.At[len(f.At)-MaxPINFailures])
		}
		if !reserved {
			return nil
		}
		return put(txn, pinFailKey(clientID), &f)
	})
	return reserved, wait, err
}

// SetPIN stores hash as clientID's security PIN and records ev (with the PIN as a secret
// change) in one transaction. It does not need the revision of a form: it changes nothing
// a form shows, so it overwrites nothing.
func (s *Store) SetPIN(clientID, hash string, ev Event) (*Client, error) {
	ev.Kind = KindPINChanged
	ev.Changes = []Change{{Field: "pin", Secret: true}}
	for range 3 {
		c, err := s.ClientByID(clientID)
		if err != nil {
			return nil, err
		}
		out, err := s.UpdateClient(clientID, c.Rev, func(c *Client) error {
			c.PINHash, c.PINChangedAt = hash, time.Now().UTC()
			return nil
		}, ev)
		if errors.Is(err, ErrConflict) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return out, s.update(func(txn *badger.Txn) error { return txn.Delete([]byte(pinFailKey(clientID))) })
	}
	return nil, ErrConflict
}

// Package web is the request plumbing Zona's handlers share: the typed rate limits and
// their counter keys, and the one table that turns an error into the status a person sees.
package web

import (
	"time"

	"zona/store"
)

// Limit is one rate limit of Zona: at most Max attempts per subject (an email, an address,
// an account) within Window. Its counters live in the sessions store under
// "rl:<name>:<subject>" (store/doc.go lists them).
type Limit struct {
	name   string
	Max    int
	Window time.Duration
}

// For is the counter of this limit for one subject, to reserve or hit.
func (l Limit) For(subject string) store.Attempt {
	return store.Attempt{Key: "rl:" + l.name + ":" + subject, Max: l.Max, Window: l.Window}
}

// The limits. A wrong guess of a secret counts; a right one is forgiven at the address
// and clears the account's count.
var (
	// SignInAccount and SignInIP: wrong passwords at the client zone's sign-in, per
	// normalised email and per address.
	SignInAccount = Limit{"signin:acct", 10, 15 * time.Minute}
	SignInIP      = Limit{"signin:ip", 50, 15 * time.Minute}
	// StaffSignInAccount and StaffSignInIP: the same at the console's sign-in.
	StaffSignInAccount = Limit{"staffsignin:acct", 10, 15 * time.Minute}
	StaffSignInIP      = Limit{"staffsignin:ip", 50, 15 * time.Minute}
	// ResetIP: reset links asked for from one address; ResetPerson: sent to one person
	// (owner or contact ID).
	ResetIP     = Limit{"reset:ip", 10, 15 * time.Minute}
	ResetPerson = Limit{"reset:acct", 3, 15 * time.Minute}
	// InviteIP: dead invitation links tried from one address.
	InviteIP = Limit{"invite:ip", 20, 15 * time.Minute}
	// PasswordCheck: wrong current passwords typed by one signed-in person (ID) in the
	// password, PIN and email-change forms.
	PasswordCheck = Limit{"pwchange", 10, 15 * time.Minute}
	// PINCheckIP: wrong security PINs checked in the console from one address, whichever
	// accounts they were for (each account has its own limit, store.MaxPINFailures).
	PINCheckIP = Limit{"pincheck:ip", 20, store.PINFailureWindow}
	// Resend: messages a signed-in person (ID) sends again to their own address.
	Resend = Limit{"resend", 5, time.Hour}
	// PrefIP: requests to the preferences links (/unsubscribe/:token) from one address,
	// counted before the token is looked up; a known token is forgiven, so only guesses
	// use the allowance.
	PrefIP = Limit{"pref:ip", 20, 15 * time.Minute}
	// SecondFactorAccount and SecondFactorIP: wrong second-factor codes (from the app or
	// recovery codes) at the second step of signing in, per person (the factor's key) and
	// per address.
	SecondFactorAccount = Limit{"2fa:acct", 5, 15 * time.Minute}
	SecondFactorIP      = Limit{"2fa:ip", 5, 15 * time.Minute}
)

// The JSON API's limits count every request per token (its hash) and per address; the
// rate is the operator's, so they are built by APILimit from these names.
const (
	APIToken = "api:token"
	APIIP    = "api:ip"
)

// APILimit is the JSON API's limit named name (APIToken or APIIP) at perMinute requests.
func APILimit(name string, perMinute int) Limit { return Limit{name, perMinute, time.Minute} }

package store

import (
	"context"
	"encoding/json"
	"io"
	"time"
)

// Records is every operation Zona's handlers, its mailer (package mail) and its command line
// perform on the domain data: the contract a store implements. *Store, on Badger, is the
// implementation Zona runs; docs/scaling.md designs a second one on PostgreSQL. The package
// store/conformance holds the tests any implementation must pass, run against *Store by
// go test.
//
// What an implementation must keep, whatever it stores in (see doc.go for how Badger does):
//   - a sign-in email (Login) belongs to one person at most, a client owner or a contact
//     with access, however many creates or edits race for it (ErrEmailTaken);
//   - a change and the history entry that records it are written together, and each
//     client's history is one hash chain that VerifyActivity checks from end to end;
//   - an outbox copy is handed out by ClaimCopy to one claimer at a time: a second claim
//     before the lease ends gets ErrNotDue, so no copy is sent twice;
//   - a limit checked inside an operation (a PIN's lockout, MaxContacts) counts every
//     attempt, however many arrive at once;
//   - a page boundary (ListMessages' and ListActivity's "before") is stable: the pages of
//     a listing hold every record exactly once, newest first;
//   - Backup writes everything Restore needs to bring an empty store back to the same state.
//
// Methods that change a client's data take the Event recorded in its history; records that
// can be edited carry a revision and an edit naming a stale one fails with ErrConflict.
// Operations not found return ErrNotFound; a store low on disk refuses writes with
// ErrDiskFull.
type Records interface {
	// Clients and their search.
	CreateClient(c *Client, ev Event) error
	ClientByID(id string) (*Client, error)
	ClientByEmail(email string) (*Client, error)
	UpdateClient(id string, rev uint64, change func(*Client) error, ev Event) (*Client, error)
	ClientIDs() ([]string, error)
	ClientsNewest(skip, limit int) ([]Client, int, error)
	ClientsByIDs(ids []string) ([]Client, error)
	SearchClients(q string) (hits []SearchHit, limited bool, err error)
	SetClientSuspended(id string, suspend bool, ev Event) (c *Client, changed bool, err error)
	SetPassword(clientID string, rev uint64, hash, keep string, ev Event) (*Client, error)
	SetPIN(clientID, hash string, ev Event) (*Client, error)
	VerifyPIN(ctx context.Context, clientID, pin string, ev Event) (PINResult, time.Duration, error)

	// Contacts, their invitations, and the sign-in index shared with clients.
	CreateContact(c *Contact, max int, inviteHash []byte, ev Event) (bool, error)
	ContactByID(clientID, id string) (*Contact, error)
	ListContacts(clientID string) ([]Contact, error)
	UpdateContact(clientID, id string, rev uint64, change func(*Contact) error, inviteHash []byte, ev Event) (out *Contact, invited bool, err error)
	DeleteContact(clientID, id string, ev Event) (*Contact, error)
	ResendInvitation(clientID, id string, hash []byte, ev Event) (*Contact, error)
	CancelInvitation(clientID, id string, ev Event) (*Contact, error)
	InvitationContact(tokenHash []byte) (*Contact, error)
	AcceptInvitation(tokenHash []byte, passwordHash string, ev Event) (*Contact, error)
	SetContactPassword(clientID, id, hash, keep string, ev Event) (*Contact, error)
	Login(email string) (*Client, *Contact, error)

	// Email changes, password resets and marketing consent.
	RequestEmailChange(clientID, newEmail string, tokenHash []byte, ttl time.Duration, ev Event) error
	PendingEmailChange(clientID string) (*EmailChange, error)
	EmailChangeByToken(tokenHash []byte) (*EmailChange, error)
	ConfirmEmailChange(tokenHash []byte, ev Event) (*Client, error)
	CreateReset(c *Client, ct *Contact, tokenHash []byte, expires time.Time, ev Event) error
	ResetPerson(tokenHash []byte) (*Client, *Contact, error)
	UseReset(tokenHash []byte, hash string, ev Event) (*Client, *Contact, error)
	PrefTokenFor(hash []byte) (*PrefToken, error)
	AskMarketing(clientID, contactID string, hash []byte, ev Event) error
	SetMarketing(t PrefToken, given bool, ev Event) (bool, error)

	// Signed-in devices of clients and contacts.
	StartDevice(clientID string, d *Device, ev Event) error
	DeviceActive(clientID, hash string) (bool, error)
	TouchDevice(clientID, hash, ip string, at time.Time) error
	Devices(clientID, person string, idleSince time.Time) ([]Device, error)
	EndDevices(clientID, person string, hashes []string, keep string, ev Event) (int, error)
	RenameDevice(clientID, oldHash, newHash string) error
	RememberDevice(clientID, key string) (newToKnown bool, err error)

	// Second factors: TOTP, recovery codes, passkeys.
	SecondFactorOf(k FactorKey) (*SecondFactor, error)
	ClientFactors(clientID string) (map[string]bool, error)
	EnrollTOTP(k FactorKey, secret, code string, hashes []string, now time.Time, clientID string, ev Event) (bool, error)
	CheckTOTP(k FactorKey, code string, now time.Time) (bool, error)
	UseRecoveryCode(k FactorKey, code, clientID string, ev Event) (ok bool, left int, err error)
	RenewRecoveryCodes(k FactorKey, hashes []string, clientID string, ev Event) error
	RemoveSecondFactor(k FactorKey, clientID string, ev Event) error
	RemoveAllFactors(clientID, person string, ev Event) error
	Passkeys(clientID, person string) ([]Passkey, error)
	AddPasskey(clientID, person string, pk *Passkey, ev Event) error
	UsePasskey(clientID, person, id string, cred json.RawMessage, at time.Time) error
	RemovePasskey(clientID, person, id string, ev Event) error
	HasPasskey(clientID, person string) (bool, error)

	// The history: one hash chain per client.
	Record(clientID string, ev Event) error
	ListActivity(clientID, before string, limit int) ([]Entry, string, error)
	RecentActivity(clientID string, n int) ([]Entry, error)
	QueryActivity(clientID string, q ActivityQuery) (ActivityPage, error)
	LastOfKind(clientID, kind string, scan int) (*Entry, error)
	VerifyActivity(clientID string) (int, error)
	PruneAllActivity(olderThan time.Time) (int, error)
	HistoryChain(clientID, before string, limit int) ([]ChainEntry, string, error)

	// Data rights: exports, ARCO requests, closing an account, retention.
	StartExport(clientID, person string, ev Event) (*Export, error)
	ExportByID(clientID, id string) (*Export, error)
	Exports(clientID, person string) ([]Export, error)
	ExportProgress(clientID, id string, done, total int) error
	WriteExportChunk(e *Export, n int, data []byte) error
	ExportChunk(e *Export, n int) ([]byte, error)
	FinishExport(clientID, id string, size int64, chunks int, failed bool, ev Event) error
	FileRequest(r *Request, loc *time.Location, ev Event) error
	RequestByID(id string) (*Request, error)
	Requests() ([]Request, error)
	PersonRequests(clientID, person string) ([]Request, error)
	ResolveRequest(id string, approve bool, note string, ev Event) (*Request, error)
	CloseAccount(clientID string, by Actor) (Closed, error)
	FiscalKept(clientID string) (*FiscalKept, error)
	PreviewRetention(activityBefore, archiveBefore time.Time) (RetentionPreview, error)
	PruneArchive(olderThan time.Time) (int, error)

	// The email archive and the outbox.
	QueueMessage(m *Message, content Content, messageIDDomain string, ev Event) error
	QueueStaffMessage(m *Message, content Content, messageIDDomain string) error
	ResendMessage(clientID, msgID string, c Copy, messageIDDomain string, ev Event) (*Copy, error)
	MessageByID(clientID, id string) (*Message, error)
	MessageBodyByID(clientID, id string) (*MessageBody, error)
	AttachmentByIndex(clientID, msgID string, n int) (*AttachmentData, error)
	ListMessages(clientID string, q MessageQuery) ([]Message, string, error)
	Outbox() ([]OutboxItem, error)
	ClaimCopy(copyID string, now, leaseUntil time.Time) (*Delivery, error)
	CopySentAt(copyID string, at time.Time) error
	CopyRetry(copyID, smtpErr string, next time.Time) error
	CopyFailedFinal(copyID, smtpErr string) error
	QueuedCopies() ([]CopyView, error)
	FailedCopies() ([]CopyView, error)
	RetryCopy(copyID string, now time.Time) error

	// Staff and their console sessions.
	CreateStaff(st *Staff) error
	CreateFirstStaff(hash []byte, st *Staff) error
	StaffByEmail(email string) (*Staff, error)
	StaffByID(id string) (*Staff, error)
	HasStaff() (bool, error)
	ListStaff() ([]Staff, error)
	SetSetupToken(hash []byte, expires time.Time) error
	SetupTokenValid(hash []byte) bool
	SetStaffPassword(id, hash, keep string) (*Staff, error)
	InviteStaff(st *Staff, hash []byte) error
	ReinviteStaff(id string, hash []byte) (*Staff, error)
	StaffInvitation(hash []byte) (*Staff, error)
	AcceptStaffInvitation(hash []byte, passwordHash string) (*Staff, error)
	SetStaffDisabled(id string, disabled bool) (*Staff, error)
	StartStaffDevice(id string, d *StaffDevice) error
	StaffDeviceActive(id, hash string) (bool, error)
	StaffDevices(id string) ([]StaffDevice, error)
	EndStaffDevices(id string, hashes []string, keep string) (int, error)

	// API tokens.
	CreateAPIToken(name string, hash []byte) (*APIToken, error)
	APITokenByHash(hash []byte) (*APIToken, error)
	APITokens() ([]APIToken, error)
	RevokeAPIToken(name string) error
	TouchAPIToken(t *APIToken, now time.Time) error

	// The server's secrets, backups, disk and shutdown.
	Secret(name string) ([]byte, error)
	Backup(w io.Writer) error
	Restore(r io.Reader) error
	// Disk is the free-space guard writes ask first; nil when the store has none.
	Disk() *DiskGuard
	Close() error
}

var _ Records = (*Store)(nil)

// Limits is the rate-limit counting the handlers do (web.Limit, the keys in doc.go): on
// *Sessions beside the sessions themselves, and in the same place in any other store. Its
// rule: a burst of concurrent reservations against one counter lets exactly its Max
// through (the conformance suite's RateLimitHoldsUnderConcurrency).
type Limits interface {
	Reserve(attempts ...Attempt) (ok bool, wait time.Duration, err error)
	Forgive(key string) error
	Hit(key string, window time.Duration) (int, error)
	Count(key string) (int, time.Duration, error)
}

var _ Limits = (*Sessions)(nil)

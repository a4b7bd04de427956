// Package store keeps all of Zona's domain data in one Badger v4 database at <data>/db, and
// the sessions and rate-limit counters in a second Badger (v3, through Fiber's storage
// adapter) at <data>/sessions.
//
// # Key layout of <data>/db
//
// Every key is ASCII, its parts separated by '/'. IDs are ULIDs: 26 Crockford base32
// characters that sort in time order, so a prefix scan in reverse lists newest first and a
// page boundary is simply the last key seen.
//
//	meta/schema                      uint32, big endian: the schema version of the data
//	client/<clientID>                Client record
//	login/<email, lower case>        "client/<id>" or "contact/<clientID>/<contactID>": the unique
//	                                 sign-in email index of clients and contacts with access
//	staff/<staffID>                  Staff record
//	staffemail/<email, lower case>   staff ID: the unique staff sign-in index
//	staffinvite/<sha256(token) hex>  staff ID of a pending staff invitation (TTL: its validity)
//	staffdev/<staffID>/<sha256(sid)> StaffDevice: a console session of that staff member (TTL: the
//	                                 absolute timeout); a session without one is over
//	setup/token                      SHA-256 of the one-time first-staff setup token
//	act/<clientID>/<entryID>         activity Entry, append only, hash chained; its personal fields
//	                                 sealed (see "Erasure")
//	acthead/<clientID>               the ID and hash of the newest Entry of that client
//	actkey/<clientID>/<yyyymm>       32 random bytes: the AES-256 key sealing the personal fields of
//	                                 that client's entries made in that month (UTC); shredded by
//	                                 retention and by closing the account
//	fiscalkept/<clientID>            FiscalKept: a closed account's RFC and razón social (kept for its
//	                                 issued CFDI), when and by whom it was closed; marks it closed
//	reset/<sha256(token) hex>        a password-reset link (TTL: its expiry)
//	device/<clientID>/<sha256(sid)>  Device: a signed-in session of the owner or of a contact (its
//	                                 Person field) (TTL: the absolute timeout)
//	knowndev/<clientID>/<digest>     a kind of device (browser, system) this client signed in from
//	msg/<clientID>/<msgID>           Message: an archived email with its copies' delivery status (under
//	                                 a staff ID for Zona's own mail to staff: their invitation)
//	msgbody/<clientID>/<msgID>       MessageBody: HTML and text parts, and the folded search text
//	msgatt/<clientID>/<msgID>/<n>    the raw bytes of attachment n (1-based) of a message; its name,
//	                                 type and size are listed in the Message record. Values above
//	                                 ValueThreshold (16 KiB) live in the value log, not the LSM tree
//	preftoken/<sha256(token) hex>    PrefToken: the person (client, contact) of a preferences link, sent in
//	                                 marketing mail (List-Unsubscribe) and in a double opt-in confirmation
//	                                 (TTL: PrefTokenValid, 400 days)
//	outbox/<copyID>                  OutboxItem: a copy waiting for delivery, removed once sent or failed;
//	                                 the only place a security mail's one-time link is kept (msgbody
//	                                 holds the archived form, the link replaced by a note)
//	actanchor/<clientID>             the ID and hash of the last Entry removed by retention
//	pinfail/<clientID>               times of the recent wrong security PINs (lockout count)
//	emailchange/<sha256(token)>      EmailChange waiting for its link (TTL: the link's validity)
//	emailchangefor/<clientID>        hex SHA-256 of that client's pending email-change token (same TTL)
//	contact/<clientID>/<contactID>   Contact: a sub-account of that client
//	invite/<sha256(token) hex>       the client and contact IDs of a pending invitation (TTL: its validity)
//	apitoken/<sha256(token) hex>     APIToken: a bearer token of the JSON API (name, created, last used)
//	apitokenname/<name, lower case>  hex SHA-256 of the API token of that name: the unique name index
//	failed/<copyID>                  the client and message IDs of a copy given up (the outbox monitor's
//	                                 list of failed copies), removed when staff retry it
//	search/<term>/<clientID>/<src>   kind of field (one byte): the console's search index, written with
//	                                 the client (src "c") or contact (src its ID) it comes from
//	secret/<name>                    32 random bytes: a server secret (secret/csrf keys visitors' CSRF tokens,
//	                                 secret/totp seals TOTP secrets)
//	factor/<clientID>/<owner|contactID> SecondFactor of the owner or a contact: the sealed TOTP secret, the last
//	                                 step used, the SHA-256 of each unused recovery code
//	stafffactor/<staffID>            SecondFactor of a staff member
//	passkey/<clientID>/<owner|contactID>/<credential ID> Passkey: a WebAuthn credential of that person
//	export/<clientID>/<exportID>     Export: a person's ZIP of their data, its state and progress (TTL:
//	                                 ExportValid, 7 days; one still running after an hour was cut off)
//	exportzip/<clientID>/<exportID>/<n> piece n (0-based, 1 MiB each, raw bytes) of that export's ZIP (same TTL)
//	arco/<clientID>/<requestID>      Request: an ARCO request of the owner or a contact, its due date and
//	                                 how staff resolved it
//	arcoidx/<requestID>              the client ID of that request, for the console's pages by request ID
//	                                 (closing an account removes its export, exportzip, arco and arcoidx keys)
//
// # Key layout of <data>/sessions
//
// Every key lives until its TTL; nothing here outlives a restart in a way anyone relies on.
//
//	sess.<session ID>                a signed-in browser's session record, or one waiting for its second
//	                                 step; it holds a TOTP secret being set up until a first code
//	                                 confirms it (TTL: the idle timeout)
//	wa:<challenge>                   a passkey challenge that signed someone in: it works once (TTL: the
//	                                 ceremony's 5 minutes)
//	rl:signin:acct:<email>           wrong passwords at the client zone's sign-in for that email
//	rl:signin:ip:<address>           the same from that address
//	rl:staffsignin:acct:<email>      wrong passwords at the console's sign-in for that email
//	rl:staffsignin:ip:<address>      the same from that address
//	rl:reset:ip:<address>            reset links asked for from that address
//	rl:reset:acct:<person ID>        reset links sent to that owner or contact
//	rl:invite:ip:<address>           dead invitation links tried from that address
//	rl:pwchange:<person ID>          wrong current passwords in the password, PIN and email forms
//	rl:pincheck:ip:<address>         wrong security PINs checked in the console from that address
//	rl:2fa:acct:<factor key>         wrong second-factor codes of that person at the sign-in's second step
//	rl:2fa:ip:<address>              the same from that address
//	rl:api:ip:<address>              JSON API requests from that address this minute
//	rl:api:token:<hash prefix>       JSON API requests with that token this minute
//
// A counter's value is a uint32 (big endian) and its TTL the rest of its window. The
// limits themselves (maximum, window) are web.Limit values in web/limits.go; a check
// reserves its attempt (Sessions.Reserve) before the work it guards.
//
// # Records
//
// A record's value is one version byte followed by its JSON encoding (see codec.go), so a
// later release can recognise and migrate old encodings. Records that can be edited carry a
// revision (Rev); an update names the revision it read and fails with ErrConflict when the
// stored one moved on, so a concurrent edit is reported and never silently lost.
//
// # Erasure
//
// A history must stay verifiable (`zona audit verify`) after a person's data in it is erased:
// when an account is closed (CloseAccount) and when --activity-retention removes old entries.
// So an entry (Entry, schema 4, V 2) is split in two:
//
//   - in clear: ID, client ID, time, kind, the actor's kind and ID (a ULID, which names
//     nobody once the record it points at is gone), the names of the changed fields and
//     their Secret flags, Prev, Hash, Digest and LegacyHash;
//   - personal, sealed: the actor's name, the IP address, the User-Agent, each change's old
//     and new values and every Detail value (emails, subjects, names).
//
// The personal part is a random 16-byte salt followed by its JSON; Digest is its SHA-256 and
// Sealed its AES-256-GCM encryption (random nonce in front, the entry ID as additional data)
// under the client's key of the entry's month, actkey/<clientID>/<yyyymm>. Hash is the SHA-256
// of the entry's JSON without Sealed and Hash, so it covers Prev, the clear fields and Digest:
// Hash = H(Prev, clear fields, H(salt || personal JSON)). VerifyActivity recomputes Hash and,
// while the key exists, decrypts the personal part and checks it against Digest (a personal
// part moved or altered is reported). Once the key is gone the personal part cannot be read
// by anyone, yet the chain verifies as before; the salt keeps Digest from being reversed by
// trying values (every IPv4 address, say).
//
// Erasing is shredding: the keys live in Badger, and a shredded key, like every other record
// of a closed account, is removed with DB.DropPrefix (purge), which rewrites the memtable and
// the tables holding it without it and deletes the files it was in. A plain delete would leave
// the old bytes in the SST and memtable log files until a compaction happened to drop them.
// The test TestCloseAccountErasesPersonalDataAndKeepsTheChain reads every file of the data
// dir for the erased data and keys; as the tables' blocks are Snappy-compressed, which can
// split a string in a file, TestCloseAccountKeepsAWaitingNoticeUntilItsCopyIsDone also reads
// every version of every key through Badger.
//
// What closing removes (personalKeys): the client record's personal fields (the record keeps
// its ID, dates, language and ClosedAt), contacts, sessions and known devices, second factors,
// passkeys, PIN lockout, pending reset, invitation, email-change and preferences links, login
// and search index keys, archived mail with bodies and attachments, outbox and failed-copy
// items, and the history keys. It keeps fiscalkept/<clientID> (RFC, razón social: the
// operator must keep them with the CFDI it issued) and the history's entries, whose personal
// parts are unreadable, plus a last entry account.closed naming the staff member by ID. A
// closing runs in steps (FiscalKept and that entry in one transaction, then the purge, then
// the anonymous record); Open finishes one a crash interrupted.
//
// The last notice is delivered, then erased. The person must be told that the account was
// closed (the account mail answering the request is queued just before the closing), so
// closing keeps every message with a copy still queued or sending (as archive retention
// does), with its body, attachments and outbox items; the rest of the archive is purged
// message by message then. When the last waiting copy of such a message is sent or given up,
// the same transaction that records it sees the account closed (fiscalkept/<clientID>), and
// the closing runs again: the message, its failed-copy note and any history key the outcome
// needed (a copy given up is recorded in the history) are purged. Open runs it too for a
// closed account that still holds a message no copy of which waits (a crash between the
// delivery and the purge). After the last copy is done, nothing personal of the account is
// left, as above.
//
// Retention: --activity-retention removes old entries as before (the anchor keeps the chain
// verifiable) and then shreds the keys of the months wholly before its cutoff, so a removed
// entry's personal data is unreadable at most a month after its removal. --archive-retention
// purges old archived messages the same way as closing does.
//
// Limits. Values of 16 KiB and more (large attachments and bodies) are kept in Badger's value
// log, which DropPrefix does not rewrite: purge runs the value-log GC, but the newest value-log
// file is rewritten only after it fills (64 MiB) and is garbage-collected. A login key that is
// a prefix of another login key (a@b.co and a@b.com) cannot be dropped by prefix and is left
// to compaction; its value holds no personal data, its key holds the email. Backups made
// before an erasure hold the erased data and keys: erasure reaches them when they are rotated
// out (--backup-keep). Entries written before schema 4 (V 0) were hashed with their personal
// fields; the schema 4 migration (sealHistories) reseals every history whose chain verifies,
// keeping each entry's old hash in LegacyHash, and leaves a history that does not verify as it
// is, so that the audit still reports it.
//
// # Invariants kept in one transaction
//
// The login index is written in the same transaction as the record it points at, and an
// activity entry in the same transaction as the change it records. A message, its body, an
// outbox item per copy and its history entry are written in one transaction; every change of
// a copy's delivery status rewrites the message and its outbox item together.
package store

// Package conformance is the test suite every implementation of store.Records must pass:
// records and their indexes, the uniqueness of sign-in emails, the history chain and its
// verification, the outbox's leases and exactly-once delivery, limits under concurrency,
// pagination at depth, the backup's round trip, and the data rights: exports, ARCO requests,
// closing an account and retention. Zona's Badger store runs it in
// store/conformance_test.go; a second implementation (docs/scaling.md) runs it the same way:
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(conformance.Testing(t), func(t conformance.T) conformance.Subject {
//			s := openEmptyStore(t) // closed by t.Cleanup
//			return conformance.Subject{Records: s, Tamper: s.tamperWithEntry, Limits: s.limits()}
//		})
//	}
//
// The suite runs over T, a small interface that *testing.T fits through Testing and that
// Recorder implements: Recorder runs the suite without failing the test that runs it, which
// is how a test shows that a broken implementation fails it.
package conformance

import (
	"testing"

	"zona/store"
)

// Subject is an implementation under test.
type Subject struct {
	store.Records
	// Tamper edits a stored history entry behind the store's back, as someone with access to
	// the storage could (a raw write to Badger, an UPDATE in SQL). VerifyActivity must find it.
	Tamper func(clientID, entryID string, edit func(*store.Entry)) error
	// Limits are the rate-limit counters kept with the implementation's sessions.
	Limits store.Limits
}

// Open returns a new, empty implementation, closed when t ends (T.Cleanup). Each call is a
// store of its own: the backup test restores into a second one.
type Open func(t T) Subject

// A test of the suite.
type test struct {
	name string
	fn   func(t T, open Open)
}

// tests is the suite, in the order it runs.
var tests = []test{
	// Records and their indexes.
	{"ClientRecords", testClientRecords},
	{"IDsFromURLsStayInTheirPrefix", testIDsStayInTheirPrefix},
	{"ConcurrentUpdateIsAConflictNeverALoss", testConcurrentUpdate},
	{"ContactRecords", testContactRecords},
	{"SearchClientsByEveryField", testSearchByEveryField},
	{"SearchIndexFollowsChanges", testSearchFollowsChanges},
	{"KnownDevicesArePerPerson", testKnownDevicesPerPerson},
	{"SetupTokenWorksOnce", testSetupTokenOnce},
	{"TOTPWindowAndReplay", testTOTPWindowAndReplay},
	{"RecoveryCodesOnce", testRecoveryCodesOnce},
	// Sign-in emails.
	{"LoginEmailIsUniqueWhateverTheCase", testLoginUniqueCase},
	{"LoginEmailIsUniqueAcrossClientsAndContacts", testLoginUniqueAcross},
	{"LoginEmailIsUniqueUnderConcurrentCreates", testLoginUniqueConcurrent},
	{"EmailChangeMovesTheIndex", testEmailChangeMovesIndex},
	{"EmailChangeByLinkOnly", testEmailChangeByLink},
	// The history.
	{"ActivityPagesNewestFirst", testActivityPages},
	{"QueryActivityStaysInItsHistory", testQueryActivityStays},
	{"RecentActivityIsNeverStale", testRecentNeverStale},
	{"ChainHoldsUnderConcurrentWrites", testChainConcurrent},
	{"VerifyActivityFindsTampering", testTampering},
	// The outbox.
	{"OutboxLeases", testOutboxLeases},
	{"OutboxDeliversEachCopyExactlyOnce", testOutboxExactlyOnce},
	// Limits.
	{"PINLocksAfterFiveFailures", testPINLocks},
	{"PINLimitHoldsUnderConcurrency", testPINConcurrent},
	{"ContactLimitHoldsUnderConcurrency", testContactLimitConcurrent},
	{"RateLimitHoldsUnderConcurrency", testRateLimitConcurrent},
	// Pagination at depth.
	{"ArchivePagesAtDepth", testArchiveDepth},
	{"HistoryPagesAtDepth", testHistoryDepth},
	// Backup.
	{"BackupRestoreRoundTrip", testBackupRoundTrip},
	// Data rights.
	{"ExportsBelongToTheirPerson", testExportsBelongToTheirPerson},
	{"ExportChunksRoundTrip", testExportChunksRoundTrip},
	{"RequestIsResolvedOnce", testRequestResolvedOnce},
	{"RequestIsDueInTwentyBusinessDays", testRequestDueInBusinessDays},
	{"PersonRequestsStayWithTheirPerson", testPersonRequestsScoped},
	{"HistoryChainProvesEveryEntry", testHistoryChain},
	{"CloseAccountErasesThePersonAndKeepsTheChain", testCloseAccount},
	{"CloseAccountKeepsAWaitingNoticeUntilDone", testCloseAccountKeepsAWaitingNotice},
	{"ArchiveRetentionRemovesOldMessagesOnly", testArchiveRetention},
	{"ActivityRetentionRemovesWhatItPreviewed", testActivityRetention},
}

// Names lists the suite's tests, in the order Run runs them.
func Names() []string {
	out := make([]string, len(tests))
	for i, tt := range tests {
		out[i] = tt.name
	}
	return out
}

// Run runs every test of the suite as a subtest of t, each on stores made by open.
func Run(t T, open Open) {
	for _, tt := range tests {
		t.Run(tt.name, func(t T) { tt.fn(t, open) })
	}
}

// T is what the suite needs of a test. Error, Fatal and their -f forms may be called only from the
// goroutine running the test (helpers collect what other goroutines find).
type T interface {
	Helper()
	Logf(format string, args ...any)
	Error(args ...any)
	Errorf(format string, args ...any)
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Failed() bool
	TempDir() string
	Cleanup(func())
	// Run runs f as a subtest named name and reports whether it passed.
	Run(name string, f func(t T)) bool
}

// Testing adapts a *testing.T to T.
func Testing(t *testing.T) T { return testingT{t} }

type testingT struct{ *testing.T }

func (t testingT) Run(name string, f func(t T)) bool {
	return t.T.Run(name, func(t *testing.T) { f(testingT{t}) })
}

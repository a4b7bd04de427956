package conformance

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
)

// Recorder is a T that keeps failures instead of reporting them: Record runs a function
// (the suite, on an implementation expected to fail it) on one, and the test that called it
// looks at which subtests failed and why, and passes or fails on that.
type Recorder struct {
	name     string
	root     *Recorder
	mu       sync.Mutex
	failed   bool
	failures []string // root only: "Test/Subtest: message", in order
	cleanups []func()
}

// Record runs f on a new Recorder, as a test runs: Fatalf ends f, the cleanups run at the
// end; and returns the Recorder.
func Record(f func(t T)) *Recorder {
	r := &Recorder{}
	r.root = r
	r.run(f)
	return r
}

// run runs f on r in a goroutine of its own (Fatalf ends it with runtime.Goexit), then r's
// cleanups, last registered first.
func (r *Recorder) run(f func(t T)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	for _, c := range slices.Backward(r.cleanups) {
		c()
	}
}

// Failures lists every failure reported, each prefixed with the path of its subtest.
func (r *Recorder) Failures() []string {
	r.root.mu.Lock()
	defer r.root.mu.Unlock()
	return slices.Clone(r.root.failures)
}

// FailedTests lists the subtests that failed themselves (not through a subtest of theirs),
// each once, in the order they first failed.
func (r *Recorder) FailedTests() []string {
	var out []string
	for _, f := range r.Failures() {
		name, _, _ := strings.Cut(f, ": ")
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

func (r *Recorder) fail(msg string) {
	r.root.mu.Lock()
	r.root.failures = append(r.root.failures, r.name+": "+msg)
	r.root.mu.Unlock()
	r.mu.Lock()
	r.failed = true
	r.mu.Unlock()
}

// Helper does nothing: failures are reported by test name, not by line.
func (r *Recorder) Helper() {}

// Logf drops the message: only failures are kept.
func (r *Recorder) Logf(string, ...any) {}

// Error records a failure and lets the test go on.
func (r *Recorder) Error(args ...any) { r.fail(fmt.Sprint(args...)) }

// Fatal records a failure and ends the test.
func (r *Recorder) Fatal(args ...any) {
	r.fail(fmt.Sprint(args...))
	runtime.Goexit()
}

// Errorf records a failure and lets the test go on.
func (r *Recorder) Errorf(format string, args ...any) { r.fail(fmt.Sprintf(format, args...)) }

// Fatalf records a failure and ends the test.
func (r *Recorder) Fatalf(format string, args ...any) {
	r.fail(fmt.Sprintf(format, args...))
	runtime.Goexit()
}

// Failed reports whether r or a subtest of it failed.
func (r *Recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// TempDir makes a new directory, removed when the test ends.
func (r *Recorder) TempDir() string {
	dir, err := os.MkdirTemp("", "conformance-")
	if err != nil {
		r.Fatalf("TempDir: %v", err)
	}
	r.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// Cleanup registers f to run when the test ends.
func (r *Recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

// Run runs f as a subtest; its failure fails r too.
func (r *Recorder) Run(name string, f func(t T)) bool {
	sub := &Recorder{name: name, root: r.root}
	if r.name != "" {
		sub.name = r.name + "/" + name
	}
	sub.run(f)
	if sub.Failed() {
		r.mu.Lock()
		r.failed = true
		r.mu.Unlock()
	}
	return !sub.Failed()
}

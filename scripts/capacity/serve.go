package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// serveFigures is what measure finds with `zona serve` on the filled directory.
type serveFigures struct {
	startup time.Duration
	// The resident memory idle after the start, at the peak of the load and idle after
	// it: VmRSS, and of it the anonymous part (the heap; the rest is file pages of
	// Badger's memory-mapped tables and value log, which the kernel takes back when
	// memory is short).
	idle, peak, idleAfter memory
	rate                  float64
	pages                 []pageFigures
}

type pageFigures struct {
	name     string
	p50, p99 time.Duration
}

// page is a measured request: a path, whose session (the heavy client's or the staff
// member's), and a string its answer must hold.
type page struct {
	name, path string
	staff      bool
	want       string
}

var (
	csrfInput    = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)
	errNotServed = errors.New("zona did not answer /healthz")
)

// measure starts zona on dir at a free loopback port, signs in the heavy client and the
// staff member, and takes the RSS idle, the latency of each page and the RSS under a
// concurrent load; then it stops the server.
func measure(zona, dir, work string, f filled, n int, loadFor time.Duration, workers int) (serveFigures, error) {
	var out serveFigures
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return out, err
	}
	addr := ln.Addr().String()
	ln.Close()
	logFile, err := os.Create(filepath.Join(work, "serve.log"))
	if err != nil {
		return out, err
	}
	defer logFile.Close()
	cmd := exec.Command(zona, "serve", "--data", dir, "--addr", addr, "--staff-2fa", "optional", "--log-level", "warn")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return out, err
	}
	defer func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(time.Minute):
			cmd.Process.Kill()
			<-done
		}
	}()
	base := "http://" + addr
	if !waitHealthy(base, 5*time.Minute) {
		log, _ := os.ReadFile(logFile.Name())
		return out, fmt.Errorf("%w on %s within 5 minutes; its log: %s", errNotServed, addr, log)
	}
	out.startup = time.Since(t0)
	pid := cmd.Process.Pid
	time.Sleep(10 * time.Second)
	out.idle = rss(pid)

	client, err := signIn(base, "/login", heavyEmail, "/zona")
	if err != nil {
		return out, err
	}
	staff, err := signIn(base, "/admin/login", staffEmail, "/admin")
	if err != nil {
		return out, err
	}
	pages := []page{
		{"dashboard `/zona`", "/zona", false, "Capacidad"},
		{"archive, first page `/emails`", "/emails", false, `data-testid="email-row"`},
		{"archive, page 90% deep", "/emails?before=" + f.deepMessage, false, `data-testid="email-row"`},
		{"archive search, a folio (one hit)", "/emails?q=" + f.heavyFolio, false, `data-testid="email-row"`},
		{"archive search, no hit (reads every body)", "/emails?q=no-existe-en-ninguno", false, `emails-empty`},
		{"history, first page `/activity`", "/activity", false, `data-testid="activity-entry"`},
		{"history, page 90% deep", "/activity?before=" + f.deepEntry, false, `data-testid="activity-entry"`},
		{"console search, a common surname", "/admin?q=" + url.QueryEscape("García"), true, `data-testid="admin-client-row"`},
		{"console search, one email", "/admin?q=" + url.QueryEscape("cliente000042@example.mx"), true, `data-testid="admin-client-row"`},
	}
	for _, p := range pages {
		hc := client
		if p.staff {
			hc = staff
		}
		var lat []time.Duration
		for range n {
			t := time.Now()
			code, body, err := get(hc, base+p.path)
			lat = append(lat, time.Since(t))
			if err != nil || code != http.StatusOK || !bytes.Contains(body, []byte(p.want)) {
				return out, fmt.Errorf("GET %s: status %d, %q found: %v (err %v)", p.path, code, p.want, bytes.Contains(body, []byte(p.want)), err)
			}
		}
		slices.Sort(lat)
		out.pages = append(out.pages, pageFigures{p.name, lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)]})
	}

	// The load: workers request the pages above in turn, as fast as they are answered,
	// while the RSS is sampled. The archive's searches are left out: their time is in their
	// own rows, and a few of them would make the rate theirs.
	browse := slices.DeleteFunc(slices.Clone(pages), func(p page) bool { return strings.HasPrefix(p.name, "archive search") })
	var done atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				p := browse[i%len(browse)]
				hc := client
				if p.staff {
					hc = staff
				}
				if code, _, err := get(hc, base+p.path); err == nil && code == http.StatusOK {
					done.Add(1)
				}
			}
		})
	}
	start := time.Now()
	for time.Since(start) < loadFor {
		if m := rss(pid); m.total > out.peak.total {
			out.peak = m
		}
		time.Sleep(100 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	out.rate = float64(done.Load()) / time.Since(start).Seconds()
	time.Sleep(10 * time.Second)
	out.idleAfter = rss(pid)
	return out, nil
}

func waitHealthy(base string, within time.Duration) bool {
	hc := &http.Client{Timeout: time.Second}
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
		if resp, err := hc.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
	}
	return false
}

// signIn signs in at loginPath as a browser does (the form's CSRF token, then the post)
// and returns a client holding the session.
func signIn(base, loginPath, email, landing string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	code, body, err := get(hc, base+loginPath)
	if err != nil {
		return nil, err
	}
	m := csrfInput.FindSubmatch(body)
	if code != http.StatusOK || m == nil {
		return nil, fmt.Errorf("GET %s: status %d, CSRF field found: %v", loginPath, code, m != nil)
	}
	resp, err := hc.PostForm(base+loginPath, url.Values{"email": {email}, "password": {heavyPassword}, "_csrf": {string(m[1])}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != landing {
		return nil, fmt.Errorf("POST %s: status %d to %q, want 303 to %s", loginPath, resp.StatusCode, resp.Header.Get("Location"), landing)
	}
	return hc, nil
}

func get(hc *http.Client, uri string) (int, []byte, error) {
	resp, err := hc.Get(uri)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// memory is a process's resident memory in bytes: all of it, and its anonymous part.
type memory struct{ total, anon int64 }

// rss reads the resident memory of process pid (zero when it cannot be read).
func rss(pid int) memory {
	var m memory
	fh, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return m
	}
	defer fh.Close()
	kb := func(v string) int64 {
		n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		return n << 10
	}
	sc := bufio.NewScanner(fh)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			m.total = kb(v)
		} else if v, ok := strings.CutPrefix(sc.Text(), "RssAnon:"); ok {
			m.anon = kb(v)
		}
	}
	return m
}

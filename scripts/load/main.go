// Command load compares the signed-in dashboard of Zona with a trivial Fiber handler under
// the same load, on loopback, in one process:
//
//	go run ./scripts/load [-c 50] [-d 10s] [-sessions 8] [-cpuprofile FILE] [-wrk]
//
// It opens real stores in a temporary directory, creates a client, serves the whole app and
// a handler that answers "ok" on two 127.0.0.1 ports, signs in over HTTP, then runs a
// closed-loop load (c workers on keep-alive connections, each sending its next request when
// the last one is answered) against GET /zona, against Zona's GET /healthz (the middleware
// every request passes and one store read, no session: a floor for any page) and against
// the trivial handler, one after the other, and prints req/s, p50 and p99 side by side with
// the ratios to the trivial handler.
// The load generator shares the machine's cores with both servers, so the figures are for
// comparing the targets within one run, not absolute capacity. With -cpuprofile, the
// dashboard's load is profiled (the server's and the load generator's work together), for
// `go tool pprof`.
//
// With -wrk the load comes from wrk (Debian's package, `wrk -t1 -cN --latency`) instead: an
// external load generator in its own process, which is what the ratios are quoted with.
// The targets are interleaved (trivial, probe, dashboard, twice) and each figure is the
// better of its two runs, so a noisy moment of the machine weighs on no one target alone.
//
// Exit status: 1 when something fails (a sign-in, a response that is not the signed-in
// dashboard), 2 when the ratio is under -min-ratio.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"zona/handlers"
	"zona/secure"
	"zona/store"
)

// Hard limits: whatever the flags say, a run stays bounded.
const (
	maxConcurrency = 1000
	maxDuration    = 2 * time.Minute
	maxSessions    = 64
)

const (
	clientEmail    = "carga@example.com"
	clientPassword = "una frase de paso larga 2026"
	clientFirst    = "Carla"
	clientLast     = "Cargas"
)

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func main() {
	concurrency := flag.Int("c", 50, fmt.Sprintf("concurrent connections (at most %d)", maxConcurrency))
	duration := flag.Duration("d", 10*time.Second, fmt.Sprintf("measured duration per target (at most %s)", maxDuration))
	sessions := flag.Int("sessions", 8, fmt.Sprintf("signed-in sessions the dashboard workers share (at most %d)", maxSessions))
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the dashboard load to this file")
	minRatio := flag.Float64("min-ratio", 0.5, "exit with status 2 when dashboard req/s / trivial req/s is below this")
	useWrk := flag.Bool("wrk", false, "generate the load with wrk (an external process) instead of in-process workers")
	flag.Parse()
	*concurrency = min(max(*concurrency, 1), maxConcurrency)
	*duration = min(max(*duration, time.Second), maxDuration)
	*sessions = min(max(*sessions, 1), maxSessions, *concurrency)

	// A watchdog, in case a server or a connection hangs: the run ends by itself regardless.
	limit := 3*(*duration+*duration/10) + time.Minute
	time.AfterFunc(limit, func() {
		fmt.Fprintf(os.Stderr, "load: still running after %s, giving up\n", limit)
		os.Exit(1)
	})

	code, err := run(*concurrency, *duration, *sessions, *minRatio, *cpuProfile, *useWrk)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(concurrency int, duration time.Duration, sessions int, minRatio float64, cpuProfile string, useWrk bool) (int, error) {
	fmt.Printf("Go %s, GOMAXPROCS %d, %d connections, %s per target, %d sessions\n",
		runtime.Version(), runtime.GOMAXPROCS(0), concurrency, duration, sessions)
	printRSS("start")

	dir, err := os.MkdirTemp("", "zona-load-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, err := store.Open(dir, log)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	kv, err := store.OpenSessions(dir, log)
	if err != nil {
		return 0, err
	}
	defer kv.Close()
	if err := createClient(st); err != nil {
		return 0, err
	}

	zona := handlers.New(handlers.Config{Brand: "Hosting de Carga", Logger: log}, st, kv)
	zonaURL, err := serve(zona)
	if err != nil {
		return 0, err
	}
	defer zona.ShutdownWithTimeout(5 * time.Second)
	trivial := fiber.New(fiber.Config{DisableStartupMessage: true})
	trivial.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	trivialURL, err := serve(trivial)
	if err != nil {
		return 0, err
	}
	defer trivial.ShutdownWithTimeout(5 * time.Second)
	fmt.Printf("zona on %s, trivial handler on %s, data in %s\n", zonaURL, trivialURL, dir)

	var cookies []string
	for range sessions {
		cookie, err := signIn(zonaURL)
		if err != nil {
			return 0, err
		}
		cookies = append(cookies, cookie)
	}
	name := clientFirst + " " + clientLast
	for i, cookie := range cookies {
		status, body, err := get(zonaURL+"/zona", cookie)
		if err != nil {
			return 0, err
		}
		if status != http.StatusOK || !bytes.Contains(body, []byte(name)) {
			return 0, fmt.Errorf("session %d: GET /zona answered %d without %q: the load would not measure the dashboard", i, status, name)
		}
	}
	fmt.Printf("signed in %d sessions; GET /zona answers 200 with %q\n", sessions, name)
	printRSS("ready")

	if useWrk {
		return runWrk(zonaURL, trivialURL, cookies[0], concurrency, duration, minRatio)
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return 0, err
		}
	}
	dash := load(zonaURL+"/zona", cookies, concurrency, duration, []byte(name))
	pprof.StopCPUProfile()
	printRSS("after dashboard load")
	probe := load(zonaURL+"/healthz", []string{""}, concurrency, duration, []byte("ok"))
	printRSS("after probe load")
	triv := load(trivialURL+"/", []string{""}, concurrency, duration, []byte("ok"))
	printRSS("after trivial load")

	fmt.Println()
	fmt.Printf("%-22s %10s %10s %10s %10s %8s %8s\n", "target", "requests", "req/s", "p50", "p99", "max", "errors")
	for _, r := range []struct {
		name string
		res  result
	}{{"GET /zona (signed in)", dash}, {"GET /healthz", probe}, {"trivial Fiber \"ok\"", triv}} {
		fmt.Printf("%-22s %10d %10.0f %10s %10s %8s %8d\n", r.name, r.res.n, r.res.rate(),
			r.res.pct(50), r.res.pct(99), r.res.pct(100), r.res.errors)
	}
	ratio := dash.rate() / triv.rate()
	verdict := "meets"
	if ratio < minRatio {
		verdict = "BELOW"
	}
	fmt.Printf("\nratio dashboard/trivial: %.1f%% (%s the target of %.0f%%)\n", 100*ratio, verdict, 100*minRatio)
	fmt.Printf("ratio probe/trivial:     %.1f%% (the probe passes the middleware of every request, security headers, request ID and metrics, and reads the store once)\n", 100*probe.rate()/triv.rate())
	if dash.errors > 0 || probe.errors > 0 || triv.errors > 0 {
		fmt.Printf("first error: %v\n", errors.Join(dash.firstErr, probe.firstErr, triv.firstErr))
		return 1, nil
	}
	if ratio < minRatio {
		return 2, nil
	}
	return 0, nil
}

func createClient(st *store.Store) error {
	hash, err := secure.Hash(context.Background(), clientPassword)
	if err != nil {
		return err
	}
	c := &store.Client{Email: clientEmail, FirstName: clientFirst, LastName: clientLast, PasswordHash: hash}
	return st.CreateClient(c, store.Event{Kind: store.KindAccountCreated, Actor: store.Actor{Kind: store.ActorSystem}})
}

// serve runs app on a free loopback port and returns its base URL.
func serve(app *fiber.App) (string, error) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	go app.Listener(ln)
	return "http://" + ln.Addr().String(), nil
}

// signIn signs in as a browser does (the sign-in page gives the CSRF cookie and token, the
// form post gives the session) and returns the Cookie header that carries both.
func signIn(base string) (string, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return "", err
	}
	hc := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := hc.Get(base + "/login")
	if err != nil {
		return "", err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return "", err
	}
	m := csrfInput.FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		return "", fmt.Errorf("GET /login: status %d, CSRF field found: %v", resp.StatusCode, m != nil)
	}
	form := url.Values{"email": {clientEmail}, "password": {clientPassword}, "_csrf": {string(m[1])}}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err = hc.PostForm(base+"/login", form)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/zona" {
		return "", fmt.Errorf("POST /login: status %d to %q, want 303 to /zona", resp.StatusCode, resp.Header.Get("Location"))
	}
	u, _ := url.Parse(base)
	var parts []string
	for _, c := range jar.Cookies(u) {
		if c.Name == "zona_session" || c.Name == "zona_csrf" {
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	if len(parts) != 2 {
		return "", fmt.Errorf("after sign-in the browser holds %v, want zona_session and zona_csrf", parts)
	}
	return strings.Join(parts, "; "), nil
}

func get(uri, cookie string) (int, []byte, error) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(uri)
	if cookie != "" {
		req.Header.Set(fasthttp.HeaderCookie, cookie)
	}
	if err := fasthttp.DoTimeout(req, resp, 10*time.Second); err != nil {
		return 0, nil, err
	}
	return resp.StatusCode(), slices.Clone(resp.Body()), nil
}

// result is what one target's load measured.
type result struct {
	n        int
	errors   int
	firstErr error
	elapsed  time.Duration
	lat      []time.Duration // sorted
}

func (r result) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

// pct is the p-th percentile latency (p=100 is the maximum).
func (r result) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := min(len(r.lat)-1, int(float64(len(r.lat))*p/100))
	return r.lat[i].Round(10 * time.Microsecond)
}

// load runs concurrency workers, each on its own keep-alive connection, sending GET uri one
// after another: a tenth of duration to warm up, then duration measured. Worker i sends
// cookies[i%len(cookies)]. A response counts as an error unless it is 200 and its body
// contains want.
func load(uri string, cookies []string, concurrency int, duration time.Duration, want []byte) result {
	u, err := url.Parse(uri)
	if err != nil {
		return result{errors: 1, firstErr: err}
	}
	hc := &fasthttp.HostClient{
		Addr:                u.Host,
		MaxConns:            concurrency,
		MaxIdleConnDuration: time.Minute,
		ReadTimeout:         10 * time.Second,
		WriteTimeout:        10 * time.Second,
	}
	defer hc.CloseIdleConnections()

	warmup := duration / 10
	start := time.Now()
	measureFrom, stopAt := start.Add(warmup), start.Add(warmup+duration)
	var (
		mu  sync.Mutex
		all result
		wg  sync.WaitGroup
	)
	for i := range concurrency {
		cookie := cookies[i%len(cookies)]
		wg.Go(func() {
			var r result
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			req.SetRequestURI(uri)
			if cookie != "" {
				req.Header.Set(fasthttp.HeaderCookie, cookie)
			}
			for {
				t0 := time.Now()
				if !t0.Before(stopAt) {
					break
				}
				err := hc.Do(req, resp)
				took := time.Since(t0)
				if err == nil && (resp.StatusCode() != fasthttp.StatusOK || !bytes.Contains(resp.Body(), want)) {
					err = fmt.Errorf("GET %s: status %d, body without %q", uri, resp.StatusCode(), want)
				}
				if t0.Before(measureFrom) {
					continue
				}
				r.n++
				r.lat = append(r.lat, took)
				if err != nil {
					r.errors++
					if r.firstErr == nil {
						r.firstErr = err
					}
				}
			}
			mu.Lock()
			all.n += r.n
			all.errors += r.errors
			all.lat = append(all.lat, r.lat...)
			if all.firstErr == nil {
				all.firstErr = r.firstErr
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	all.elapsed = time.Since(measureFrom)
	slices.Sort(all.lat)
	return all
}

// printRSS prints the process's resident memory now and at its peak, from /proc (Linux).
// The load generator runs in this process too, so these include its buffers.
func printRSS(when string) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		fmt.Printf("RSS %s: unknown (%v)\n", when, err)
		return
	}
	var rss, hwm string
	for line := range strings.SplitSeq(string(b), "\n") {
		k, v, _ := strings.Cut(line, ":")
		switch k {
		case "VmRSS":
			rss = strings.TrimSpace(v)
		case "VmHWM":
			hwm = strings.TrimSpace(v)
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("RSS %-22s VmRSS %-10s VmHWM %-10s Go heap in use %d MB, from the OS %d MB\n",
		when+":", rss, hwm, ms.HeapInuse>>20, ms.Sys>>20)
}

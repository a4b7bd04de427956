package main

import (
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"time"
)

// wrkResult is what one wrk run reports: requests a second, the 99th percentile latency,
// and non-2xx answers or socket errors.
type wrkResult struct {
	rate   float64
	p99    string
	errors int
}

var (
	wrkRate   = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkP99    = regexp.MustCompile(`\s99%\s+(\S+)`)
	wrkNon2xx = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	wrkSocket = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// wrk runs `wrk -t1 -cN -dD --latency` against uri with the Cookie header cookie.
func wrk(uri, cookie string, concurrency int, duration time.Duration) (wrkResult, error) {
	args := []string{"-t1", "-c" + strconv.Itoa(concurrency), "-d" + strconv.Itoa(int(duration.Seconds())) + "s", "--latency"}
	if cookie != "" {
		args = append(args, "-H", "Cookie: "+cookie)
	}
	out, err := exec.Command("wrk", append(args, uri)...).CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk %s: %v\n%s", uri, err, out)
	}
	m, p := wrkRate.FindSubmatch(out), wrkP99.FindSubmatch(out)
	if m == nil || p == nil {
		return wrkResult{}, fmt.Errorf("wrk %s: unreadable output:\n%s", uri, out)
	}
	var r wrkResult
	r.rate, _ = strconv.ParseFloat(string(m[1]), 64)
	r.p99 = string(p[1])
	if n := wrkNon2xx.FindSubmatch(out); n != nil {
		r.errors, _ = strconv.Atoi(string(n[1]))
	}
	if s := wrkSocket.FindSubmatch(out); s != nil {
		for _, g := range s[1:] {
			n, _ := strconv.Atoi(string(g))
			r.errors += n
		}
	}
	return r, nil
}

// runWrk measures the trivial handler, /healthz and the signed-in /zona with wrk, twice
// each and interleaved, and prints the better run of each with the ratios.
func runWrk(zonaURL, trivialURL, cookie string, concurrency int, duration time.Duration, minRatio float64) (int, error) {
	if _, err := exec.LookPath("wrk"); err != nil {
		return 0, fmt.Errorf("wrk not found: apt-get install -y wrk")
	}
	targets := []struct {
		name, uri, cookie string
	}{
		{"trivial Fiber \"ok\"", trivialURL + "/", ""},
		{"GET /healthz", zonaURL + "/healthz", ""},
		{"GET /zona (signed in)", zonaURL + "/zona", cookie},
	}
	best := make([]wrkResult, len(targets))
	for range 2 {
		for i, t := range targets {
			r, err := wrk(t.uri, t.cookie, concurrency, duration)
			if err != nil {
				return 0, err
			}
			if r.errors > 0 {
				return 1, fmt.Errorf("%s: %d errors or non-2xx answers", t.name, r.errors)
			}
			if r.rate > best[i].rate {
				best[i] = r
			}
		}
	}
	fmt.Printf("\nwrk -t1 -c%d -d%s --latency, better of two interleaved runs\n", concurrency, duration)
	fmt.Printf("%-22s %10s %10s %8s\n", "target", "req/s", "p99", "ratio")
	for i, t := range targets {
		fmt.Printf("%-22s %10.0f %10s %7.1f%%\n", t.name, best[i].rate, best[i].p99, 100*best[i].rate/best[0].rate)
	}
	if ratio := best[2].rate / best[0].rate; ratio < minRatio {
		fmt.Printf("dashboard/trivial %.1f%% is BELOW the target of %.0f%%\n", 100*ratio, 100*minRatio)
		return 2, nil
	}
	return 0, nil
}

#!/usr/bin/env bash
# rss.sh measures the idle memory of `zona serve` with both stores open: it builds the
# binary as the Dockerfile does, creates a client in a fresh data dir, starts the server on a
# loopback port, waits for /healthz, lets it settle and prints VmRSS and VmHWM from
# /proc/PID/status; then it signs in, opens the dashboard $REQUESTS times (default 500), lets
# it settle again and prints them again ("idle after use": Badger's tables and caches only
# take memory once they are used). Exit status 1 when an idle VmRSS is over the budget
# (100 MB, or $RSS_LIMIT_MB).
#
#   bash scripts/rss.sh            # or: make rss
#   SETTLE=10 bash scripts/rss.sh  # seconds to wait after /healthz answers (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
# Go 1.27.3 whatever the machine defaults to (go.mod alone is ignored under GOTOOLCHAIN=local).
export GOTOOLCHAIN=go1.27.3

settle=${SETTLE:-5}
requests=${REQUESTS:-500}
limit_mb=${RSS_LIMIT_MB:-100}
work=$(mktemp -d)
pid=
cleanup() {
	if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o "$work/zona" .

# A free loopback port: try random ones until nothing answers on one.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=${PORT:-}
for _ in $(seq 50); do
	[[ -n $port ]] && port_free "$port" && break
	port=$((20000 + RANDOM % 40000))
done

email=rss@example.com password='Una frase de paso, larga 2026!'
mkdir "$work/data"
echo "$password" | "$work/zona" client create --data "$work/data" --email "$email" --name "Rita Ese" --password-stdin >/dev/null
"$work/zona" serve --data "$work/data" --addr "127.0.0.1:$port" >"$work/out.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port"

healthy=
for _ in $(seq 100); do
	if curl -fsS --max-time 1 "$base/healthz" >/dev/null 2>&1; then
		healthy=1
		break
	fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if [[ -z $healthy ]]; then
	echo "rss: zona did not answer /healthz on 127.0.0.1:$port; its output:" >&2
	cat "$work/out.log" >&2
	exit 1
fi

over=
report() {
	local rss_kb hwm_kb anon_kb file_kb
	rss_kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
	hwm_kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
	anon_kb=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status")
	file_kb=$(awk '/^RssFile:/ {print $2}' "/proc/$pid/status")
	printf '  %-32s VmRSS %3d MB (%d kB), VmHWM %3d MB; anonymous %d MB, files %d MB\n' "$1:" \
		$((rss_kb / 1024)) "$rss_kb" $((hwm_kb / 1024)) $((anon_kb / 1024)) $((file_kb / 1024))
	if ((rss_kb > limit_mb * 1024)); then
		over=1
	fi
}

echo "zona serve (pid $pid, $base, fresh data dir, one client):"
sleep "$settle"
report "idle ${settle}s after /healthz"

# Sign in as a browser does, then open the dashboard $requests times on one connection.
jar="$work/cookies"
token=$(curl -fsS -c "$jar" -b "$jar" "$base/login" | sed -n 's/.*name="_csrf" value="\([^"]*\)".*/\1/p' | head -n1)
curl -fsS -o /dev/null -c "$jar" -b "$jar" --data-urlencode "email=$email" \
	--data-urlencode "password=$password" --data-urlencode "_csrf=$token" "$base/login"
if ! curl -fsS -b "$jar" "$base/zona" | grep -q "Rita Ese"; then
	echo "rss: signing in failed: GET /zona does not show the client" >&2
	exit 1
fi
curl -fsS -o /dev/null -b "$jar" "$base/zona?[1-$requests]"
sleep "$settle"
report "idle ${settle}s after $requests dashboards"

if [[ -n $over ]]; then
	echo "  over the budget of $limit_mb MB" >&2
	exit 1
fi
echo "  within the budget of $limit_mb MB"

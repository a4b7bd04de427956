#!/usr/bin/env bash
# Lighthouse (pinned in package.json, mobile emulation, every category) on the pages a
# customer sees first: a fresh Zona on loopback with the demo account, the sign-in page as a
# visitor, the others signed in as the demo owner. Prints one line of scores a page and
# fails when a score is under MIN (default 98).
#
#   bash scripts/lighthouse/run.sh            # or: make lighthouse
#   MIN=95 PAGES="/login /zona" bash scripts/lighthouse/run.sh
#
# Needs Node (npm ci installs Lighthouse here) and Chromium at /usr/bin/chromium. The JSON
# reports stay in $OUT (default a temp dir) for reading.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
MIN=${MIN:-98}
PAGES=${PAGES:-"/login /zona /account /contacts /emails"}
OUT=${OUT:-$(mktemp -d)}
PORT=${PORT:-18089}
work=$(mktemp -d)
pid=
trap '[ -z "$pid" ] || { kill "$pid"; wait "$pid"; } 2>/dev/null; rm -rf "$work"' EXIT

[ -x /usr/bin/chromium ] || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }
[ -d "$here/node_modules/lighthouse" ] || (cd "$here" && npm ci --no-audit --no-fund --silent)

cd "$root"
go build -o "$work/zona" .
"$work/zona" demo --data "$work/data" >"$work/demo.txt"
email=$(awk '$1 == "client" {print $2}' "$work/demo.txt")
password=$(awk '$1 == "client" {print $3}' "$work/demo.txt")
"$work/zona" serve --data "$work/data" --addr "127.0.0.1:$PORT" >"$work/serve.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$PORT"
for _ in $(seq 50); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.2; done

# Sign in as a browser would: the sign-in page's token, then the form.
jar="$work/cookies"
token=$(curl -fs -c "$jar" "$base/login" | grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"$//')
curl -fs -b "$jar" -c "$jar" -o /dev/null -H "Origin: $base" \
	--data-urlencode "email=$email" --data-urlencode "password=$password" --data-urlencode "_csrf=$token" "$base/login"
cookie=$(awk '$6 == "zona_session" {print $6 "=" $7}' "$jar")
[ -n "$cookie" ] || { echo "sign-in failed" >&2; exit 1; }

flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --disable-quic --no-first-run"
status=0
printf '%-10s %12s %14s %15s %5s\n' page performance accessibility best-practices seo
for page in $PAGES; do
	name=$(echo "$page" | tr -c 'a-z0-9\n' '_')
	headers='{}'
	[ "$page" = /login ] || headers="{\"Cookie\": \"$cookie\"}"
	CHROME_PATH=/usr/bin/chromium "$here/node_modules/.bin/lighthouse" "$base$page" --quiet \
		--chrome-flags="$flags" --extra-headers="$headers" \
		--output=json --output-path="$OUT/$name.json" >/dev/null 2>"$work/lh.log" || { cat "$work/lh.log" >&2; exit 1; }
	node -e '
		const r = require(process.argv[1]), min = Number(process.argv[3]);
		if (r.finalDisplayedUrl !== process.argv[4]) { console.error(`${process.argv[2]}: ended at ${r.finalDisplayedUrl}`); process.exit(1); }
		const s = ["performance", "accessibility", "best-practices", "seo"].map(k => Math.round(r.categories[k].score * 100));
		console.log(process.argv[2].padEnd(10), String(s[0]).padStart(12), String(s[1]).padStart(14), String(s[2]).padStart(15), String(s[3]).padStart(5));
		for (const [k, c] of Object.entries(r.categories)) if (c.score * 100 < min)
			for (const ref of c.auditRefs) { const a = r.audits[ref.id]; if (ref.weight > 0 && a.score !== null && a.score < 1) console.log(`  ${k}: ${a.id}: ${a.title}`); }
		process.exit(s.every(v => v >= min) ? 0 : 2);
	' "$OUT/$name.json" "$page" "$MIN" "$base$page" || status=1
done
echo "reports: $OUT"
exit $status

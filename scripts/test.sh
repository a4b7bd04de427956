#!/usr/bin/env bash
# Zona's one test command (run it as `make test`): it installs what a fresh machine lacks
# (Debian's Chromium for the browser tests), then checks that generated and formatted code is
# committed as generated, vets, runs staticcheck and govulncheck (pinned in tools/go.mod, so
# their dependencies stay out of the app's), and runs every test with the race detector.
set -euo pipefail
cd "$(dirname "$0")/.."
# Go 1.27.3 whatever the machine defaults to (go.mod alone is ignored under GOTOOLCHAIN=local).
export GOTOOLCHAIN=go1.27.3

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Chromium for the browser tests"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

echo "== templ: generated code is up to date and templates are formatted"
go tool templ generate -check
go tool templ fmt -fail . >/dev/null

echo "== assets: the purged stylesheet and the compressed forms are what go generate ./assets writes"
before=$(mktemp -d)
cp -r assets/compressed assets/pico.used.css "$before/"
go generate ./assets
if ! diff -r "$before/compressed" assets/compressed >/dev/null || ! cmp -s "$before/pico.used.css" assets/pico.used.css; then
  echo "go generate ./assets changed assets/pico.used.css or assets/compressed: commit what it writes"; rm -rf "$before"; exit 1
fi
rm -rf "$before"

echo "== gofmt"
unformatted=$(gofmt -l $(find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
go tool -modfile=tools/go.mod staticcheck ./...

# govulncheck cannot reach its online database here, so it reads one built from the
# golang.org/x/vulndb module pinned in tools/go.mod: the same advisories, at a known date.
echo "== govulncheck (offline database from the pinned golang.org/x/vulndb)"
vulndb=$(mktemp -d)
trap 'rm -rf "$vulndb"' EXIT
go mod download -modfile=tools/go.mod golang.org/x/vulndb
osv="$(go list -modfile=tools/go.mod -m -f '{{.Dir}}' golang.org/x/vulndb)/data/osv"
go tool -modfile=tools/go.mod indexdb -vulns "$osv" -out "$vulndb/db"
go tool -modfile=tools/go.mod govulncheck -db "file://$vulndb/db" ./...

echo "== go test -race"
go test -race -count=1 -timeout 30m ./...

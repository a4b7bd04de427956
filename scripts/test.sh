#!/usr/bin/env bash
# Zona's one test command (run it as `make test`): it installs what a fresh machine lacks
# (Debian's Chromium for the browser tests), then checks that generated and formatted code is
# committed as generated, vets, and runs every test with the race detector.
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

echo "== gofmt"
unformatted=$(gofmt -l $(find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== go test -race"
go test -race -count=1 -timeout 30m ./...

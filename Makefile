# Zona's tasks. The README's two commands are `make run` (run) and `make test` (test).
.PHONY: run test build bench load rss lighthouse

# Go 1.27.3 (DESIGN "Stack"): these machines start with GOTOOLCHAIN=local on 1.26.8, which
# ignores go.mod's version; exporting it here makes every target fetch and use 1.27.3.
export GOTOOLCHAIN := go1.27.3

run:
	go run . serve

test:
	bash scripts/test.sh

build:
	CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o zona .

bench:
	go test -run '^$$' -bench . -benchmem ./...

load:
	go run ./scripts/load

rss:
	bash scripts/rss.sh

lighthouse:
	bash scripts/lighthouse/run.sh

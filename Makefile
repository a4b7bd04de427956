# Zona's tasks. The README's two commands are `go run .` (run) and `make test` (test).
.PHONY: run test build bench load rss

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

# Zona in a container: a static binary on busybox, running as nobody (65534), data in /data,
# listening on :8080, every interface of the container (ENV ZONA_ADDR), for -p to reach.
#
#   docker build -t zona .
#   docker run -d --name zona -p 127.0.0.1:8080:8080 -v zona-data:/data zona
#   docker logs zona     # the one-time link to create the first staff account
# Behind a TLS proxy (deploy/), also set ZONA_BASE_URL=https://... (links in mail, Secure
# cookies) and ZONA_TRUSTED_PROXIES (so client IPs come from X-Forwarded-For).
#
# Commands run inside the running container, through its control socket:
#   echo 'Clave-Segura-2026!' | docker exec -i zona zona client create --email E --name N --password-stdin
#   docker exec zona zona backup /data/zona.bak    # or --backup-dir for scheduled ones
#
# A named volume starts owned by nobody (see below). A bind mount keeps the host
# directory's owner, so give it to the container's user first:
#   install -d -m 0700 -o 65534 -g 65534 /srv/zona
#   docker run -d --name zona -p 127.0.0.1:8080:8080 -v /srv/zona:/data zona
# (or run as the directory's owner: docker run --user "$(stat -c %u:%g /srv/zona)" ...).

FROM golang:1.27.3-bookworm AS build
# Go 1.27.3 exactly (DESIGN "Stack"), whatever the image's default toolchain setting.
ENV GOTOOLCHAIN=go1.27.3
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The templ output (*_templ.go) is committed, so the build needs no generate step.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/zona .

# Runtime: busybox rather than distroless. The binary is static and needs no libc, but
# the HEALTHCHECK needs an HTTP client and distroless has none; busybox's wget is 1 MB,
# and adding a probe subcommand to zona for the container's sake is not worth it.
# It carries no CA certificates, so the build stage's are copied for SMTP over TLS; time
# zones are compiled into the binary (time/tzdata).
FROM busybox:1.37.0-musl
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/zona /usr/local/bin/zona
# /data belongs to nobody before VOLUME, so a new named volume starts writable by it.
RUN mkdir /data && chown 65534:65534 /data

ENV ZONA_DATA=/data \
	ZONA_ADDR=:8080
VOLUME /data
EXPOSE 8080
USER 65534:65534

# busybox wget exits non-zero on a refused connection, a timeout or a non-2xx status;
# /healthz answers 503 when the store does not. The port follows ZONA_ADDR (which must
# listen on all interfaces or on loopback, as the default ":8080" does).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
	CMD wget -q -T 3 -O /dev/null "http://127.0.0.1:${ZONA_ADDR##*:}/healthz" || exit 1

# zona finishes requests in flight on SIGTERM (up to 20 s), then closes both stores; give
# it that long: docker stop -t 30 (compose: stop_grace_period: 30s).
ENTRYPOINT ["/usr/local/bin/zona"]
CMD ["serve"]

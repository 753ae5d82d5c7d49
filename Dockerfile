# syntax=docker/dockerfile:1
#
# The Lianxin hub as a container image: one static binary with the web app
# embedded, running as a non-root user. docker-compose.yml runs it against
# PostgreSQL and Redis; on its own it falls back to SQLite in /var/lib/lianxin.
#
#   docker build -t lianxin .
#   docker run -p 8080:8080 -v lianxin-data:/var/lib/lianxin lianxin

# Keep GO_VERSION equal to the `go` line of go.mod.
ARG GO_VERSION=1.26.8
ARG NODE_VERSION=20

# 1. The web app (frontend/dist), built with the locked npm dependencies.
FROM node:${NODE_VERSION}-bookworm-slim AS web
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# 2. The binary: pure Go (the SQLite driver needs no cgo), so it is static.
FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The binary embeds frontend/dist (go:embed), so the built app must be in
# place before `go build`.
COPY --from=web /src/frontend/dist ./frontend/dist
ARG VERSION=container
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/lianxin ./cmd/lianxin

# 3. The runtime: a slim Debian with curl for the health check, no toolchain.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 lianxin \
 && useradd --system --uid 10001 --gid lianxin --home-dir /var/lib/lianxin --shell /usr/sbin/nologin lianxin \
 && install -d -o lianxin -g lianxin -m 0700 /var/lib/lianxin
COPY --from=build /out/lianxin /usr/local/bin/lianxin
ENV LIANXIN_ADDR=:8080 \
    LIANXIN_DATA_DIR=/var/lib/lianxin
USER lianxin:lianxin
WORKDIR /var/lib/lianxin
# SQLite file (when no LIANXIN_DATABASE_URL), scanned consent forms, and the
# generated secret.key when LIANXIN_SECRET_KEY is not set.
VOLUME ["/var/lib/lianxin"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/readyz"]
ENTRYPOINT ["lianxin"]
CMD ["serve"]

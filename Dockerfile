# syntax=docker/dockerfile:1
#
# docker build -t assent .
# docker run -p 8080:8080 -v assent-data:/data assent
#
# Templates (askama), static files and migrations are compiled into the binary,
# so the runtime image only needs the executable and CA certificates.

# ---- build ---------------------------------------------------------------------
# The rust image (buildpack-deps) already has gcc and make, which is all that
# aws-lc-sys and the bundled SQLite need; no cmake.
FROM rust:1.95-bookworm AS builder
WORKDIR /build

# Dependencies first, against dummy sources, so this layer is cached until
# Cargo.toml or Cargo.lock change.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && cargo build --release --locked \
 && rm -rf src

COPY . .
# COPY keeps the files' mtimes, which can be older than the dummy build above:
# touch the crate roots so cargo rebuilds the real crate.
RUN touch src/main.rs src/lib.rs \
 && cargo build --release --locked \
 && install -D -m 0755 target/release/assent /out/assent

# ---- runtime -------------------------------------------------------------------
FROM debian:bookworm-slim

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 assent \
 && useradd --system --uid 10001 --gid assent --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin assent \
 && mkdir -p /data \
 && chown assent:assent /data

COPY --from=builder /out/assent /usr/local/bin/assent

ENV ASSENT_DATABASE_URL=sqlite:///data/assent.db?mode=rwc \
    ASSENT_BIND=0.0.0.0:8080
# Declared after the chown so a fresh named volume starts out owned by assent.
VOLUME ["/data"]
WORKDIR /data
EXPOSE 8080
USER assent

# No HEALTHCHECK: the image has no curl/wget. GET /healthz exists for
# orchestrators (Kubernetes probes, a load balancer's health check, ...).
ENTRYPOINT ["/usr/local/bin/assent"]
CMD ["serve"]

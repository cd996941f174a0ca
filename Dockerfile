# syntax=docker/dockerfile:1
#
# backline: one binary on a slim Debian base, SQLite on the /data volume by default.
#
#   docker build -t backline .
#   export DISCORD_PUBLIC_KEY=… DISCORD_TOKEN=…   # from the developer portal (README, step 1)
#   docker run -d -v backline-data:/data -p 8080:8080 \
#       -e DISCORD_PUBLIC_KEY -e DISCORD_TOKEN backline                  # runs `backline serve`
#
# `serve` needs DISCORD_PUBLIC_KEY (the HTTP interactions endpoint), DISCORD_TOKEN (the
# gateway, and the reminders and digests the bot posts) or both: without either it exits at
# once (status 2) saying so. `-e NAME` without a value passes the variable from your shell,
# so the token is not written on the command line.
#   docker run --rm -v backline-data:/data -v "$PWD/plans:/plans:ro" \
#       backline import --guild 123456789012345678 /plans              # any other subcommand
#
# For PostgreSQL, set DATABASE_URL=postgres://… and the volume is unused; deploy/compose.yaml
# runs PostgreSQL, a one-shot `backline migrate` and two replicas.

# ---------------------------------------------------------------------------------------------
# Build stage. The crate needs Rust >= 1.94 (edition 2024); `1-bookworm` is the newest 1.x on
# the same Debian release as the runtime image, so the binary links against the same glibc.
# Pin a version with `--build-arg RUST_VERSION=1.94` for reproducible builds.
ARG RUST_VERSION=1
FROM rust:${RUST_VERSION}-bookworm AS build

WORKDIR /build

# Dependencies first, in their own layer: build them against a placeholder crate so that
# editing src/ does not rebuild the whole dependency tree. The crate has a library
# (src/lib.rs) and a binary (src/main.rs); both placeholders are needed for Cargo to see
# the same targets as the real crate.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked --bin backline \
    && rm -rf src

# The real sources. migrations/ must be here at compile time: `sqlx::migrate!("migrations/…")`
# embeds the SQL files into the binary, so the runtime image needs no migration files.
# If the binary ever embeds other files (include_str!, e.g. a JSON Schema from docs/), copy
# them here too.
COPY src ./src
COPY migrations ./migrations

# COPY keeps the files' modification times from the build context, which can be older than
# the placeholder build; touching the crate roots makes Cargo rebuild backline itself.
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked --bin backline \
    && cp target/release/backline /usr/local/bin/backline

# ---------------------------------------------------------------------------------------------
# Runtime stage: the binary, CA certificates for TLS to Discord and PostgreSQL, a non-root user.
FROM debian:bookworm-slim

RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# A fixed UID/GID so volume ownership and Kubernetes `runAsUser` are predictable.
RUN groupadd --system --gid 10001 backline \
    && useradd --system --uid 10001 --gid backline --home-dir /data --no-create-home \
       --shell /usr/sbin/nologin backline \
    && mkdir /data \
    && chown backline:backline /data

COPY --from=build /usr/local/bin/backline /usr/local/bin/backline

# /data is created and chowned above, before VOLUME: a new named volume is then initialised
# from it and is writable by uid 10001. A bind mount keeps the host directory's ownership
# (chown it to 10001 on the host). SQLite also writes its -wal and -shm files here.
VOLUME /data
WORKDIR /data

ENV DATABASE_URL=sqlite:///data/backline.db \
    BACKLINE_HTTP_ADDR=0.0.0.0:8080

EXPOSE 8080

# Numeric, so orchestrators can verify the image does not run as root.
USER 10001:10001

ENTRYPOINT ["/usr/local/bin/backline"]
CMD ["serve"]

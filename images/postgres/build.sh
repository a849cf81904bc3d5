#!/usr/bin/env bash
# Builds a PostgreSQL 15 image from Debian packages with debootstrap, for
# machines that cannot pull images. Idempotent: the debootstrapped rootfs
# (eprharness/postgres-rootfs:15, the slow part) is made only when missing
# (FORCE=1 remakes it); the thin image on top is rebuilt every time from the
# Dockerfile and entrypoint here, which takes a second with Docker's cache.
#   usage: images/postgres/build.sh [IMAGE]   (default eprharness/postgres:15)
set -euo pipefail
image="${1:-eprharness/postgres:15}"
here="$(cd "$(dirname "$0")" && pwd)"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if ! docker image inspect eprharness/postgres-rootfs:15 >/dev/null 2>&1 || [ -n "${FORCE:-}" ]; then
  command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }
  root="$(mktemp -d /tmp/eprharness-pgroot.XXXXXX)"
  trap 'rm -rf "$root"' EXIT
  echo "debootstrap bookworm with postgresql-15 into $root"
  debootstrap --variant=minbase --include=postgresql-15 bookworm "$root" "$mirror" >"$root.log" 2>&1 \
    || { tail -30 "$root.log" >&2; exit 1; }
  # Drop the cluster Debian creates at install time and what a server never reads.
  rm -rf "$root/var/lib/postgresql/15" "$root/etc/postgresql/15" \
         "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/info" \
         "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*
  tar -C "$root" -c . | docker import - eprharness/postgres-rootfs:15 >/dev/null
  rm -f "$root.log"
fi
docker build -q -t "$image" "$here" >/dev/null
echo "built postgres image $image"

#!/usr/bin/env bash
# Builds an Orthanc image (Debian bookworm's orthanc + orthanc-dicomweb
# packages) with debootstrap, for machines that cannot pull images, the way
# images/postgres/build.sh builds PostgreSQL.
#
# Idempotent: the build is skipped when IMAGE exists and was built from the
# Dockerfile, orthanc.json and docker-entrypoint.sh as they are now (a hash
# of them is the image's label eprharness.build-hash). The debootstrapped
# rootfs (eprharness/orthanc-rootfs:1, the slow part: 3 to 7 minutes) is
# kept between builds and made only when missing; FORCE=1 remakes both.
#
# The image serves Orthanc Explorer and the REST API on 8042 (no
# authentication: a test fixture, never a real archive), DICOM on 4242,
# keeps its storage in /var/lib/orthanc/db, serves /var/lib/orthanc/www at
# /eprharness/ (ServeFolders; empty unless mounted) and reaches no other host.
#   usage: images/orthanc/build.sh [IMAGE]   (default eprharness/orthanc:1)
#   env:   FORCE=1, DEBIAN_MIRROR, ORTHANC_ROOTFS (rootfs image name)
set -euo pipefail
image="${1:-eprharness/orthanc:1}"
rootfs="${ORTHANC_ROOTFS:-eprharness/orthanc-rootfs:1}"
here="$(cd "$(dirname "$0")" && pwd)"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
start=$SECONDS

hash="$(cd "$here" && cat Dockerfile orthanc.json docker-entrypoint.sh | sha256sum | cut -c1-16)"
if [ -z "${FORCE:-}" ] && \
   [ "$(docker image inspect -f '{{index .Config.Labels "eprharness.build-hash"}}' "$image" 2>/dev/null)" = "$hash" ]; then
  echo "orthanc image $image is up to date (FORCE=1 rebuilds)"
  exit 0
fi

if [ -n "${FORCE:-}" ] || ! docker image inspect "$rootfs" >/dev/null 2>&1; then
  command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }
  root="$(mktemp -d /tmp/eprharness-orthancroot.XXXXXX)"
  trap 'rm -rf "$root" "$root.log"' EXIT
  echo "debootstrap bookworm with orthanc into $root"
  # libboost-regex1.74.0 provides the virtual libboost-regex1.74.0-icu72
  # that orthanc depends on; debootstrap's resolver does not follow
  # virtual packages, so it is named here.
  debootstrap --variant=minbase --include=orthanc,orthanc-dicomweb,libboost-regex1.74.0 bookworm "$root" "$mirror" >"$root.log" 2>&1 \
    || { tail -30 "$root.log" >&2; tail -40 "$root/debootstrap/debootstrap.log" >&2 2>/dev/null; exit 1; }
  # Drop the package's database and what a server never reads.
  rm -rf "$root/var/lib/orthanc/db-v6" "$root/var/lib/orthanc/db" \
         "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/info" \
         "$root/var/cache/apt/archives"/*.deb "$root/var/lib/apt/lists"/*
  tar -C "$root" -c . | docker import - "$rootfs" >/dev/null
  echo "made rootfs $rootfs in $((SECONDS - start))s"
fi
docker build -q --build-arg ROOTFS="$rootfs" --label "eprharness.build-hash=$hash" -t "$image" "$here" >/dev/null
echo "built orthanc image $image in $((SECONDS - start))s"

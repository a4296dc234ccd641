#!/usr/bin/env bash
# Stand-in images built from Debian's own packages, for sites (and machines) that cannot reach a
# public image registry:
#   rolwh-python:3.11-bookworm   for python:3.11-slim-bookworm (python3 3.11, venv, tini, tzdata)
#   rolwh-postgres:15-bookworm   for postgres:16 (Debian bookworm's PostgreSQL is 15; same
#                                POSTGRES_USER/PASSWORD/DB variables and data directory)
#   rolwh-redis:7-bookworm       for redis:7.2 (Debian bookworm's redis-server 7.0)
# Each root file system is `debootstrap --variant=minbase bookworm` plus its packages, imported
# with `docker import`, then finished by a small Dockerfile under deploy/images/ (no network).
# The root file systems are cached as tarballs under $ROLWH_OFFLINE_CACHE (default
# /var/cache/rolwh-offline), keyed by suite, variant, package list and mirror, so a second build
# takes seconds. Needs root, debootstrap and a reachable Debian mirror ($DEBIAN_MIRROR).
set -euo pipefail
cd "$(dirname "$0")/.."

SUITE=${DEBIAN_SUITE:-bookworm}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${ROLWH_OFFLINE_CACHE:-/var/cache/rolwh-offline}
DOCKER=${DOCKER:-docker}

die() { echo "build-offline-images: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap); run it with sudo"
command -v debootstrap >/dev/null || die "debootstrap is missing: apt-get install debootstrap"
"$DOCKER" info >/dev/null 2>&1 || die "no Docker engine answers: start dockerd first"
mkdir -p "$CACHE/debs"

# rootfs NAME PACKAGES...: prints the path of the cached tarball, building it when missing.
rootfs() {
    local name=$1; shift
    local key
    key=$(printf '%s\n' "$SUITE" minbase "$MIRROR" "$@" | sha256sum | cut -c1-16)
    local tarball="$CACHE/rootfs-$name-$SUITE-$key.tar"
    if [ ! -s "$tarball" ]; then
        local dir
        dir=$(mktemp -d "$CACHE/build-$name.XXXXXX")
        echo "debootstrap $name ($*) ..." >&2
        debootstrap --variant=minbase --cache-dir="$CACHE/debs" --include="$(IFS=,; echo "$*")" \
            "$SUITE" "$dir" "$MIRROR" >"$dir.log" 2>&1 || { tail -20 "$dir.log" >&2; die "debootstrap $name failed (log $dir.log)"; }
        # No package index, caches or docs in the image: smaller, and nothing stale.
        rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb \
            "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/var/log/*.log
        tar --numeric-owner -C "$dir" -cf "$tarball.part" .
        mv "$tarball.part" "$tarball"
        rm -rf "$dir" "$dir.log"
    fi
    echo "$tarball"
}

# image NAME TAG DOCKERFILE PACKAGES...: import the root file system, finish it with DOCKERFILE.
# An image already built from the same root file system and files is kept as it is (same ID), so
# the layer cache of images built on it (the rolwh image) stays valid.
image() {
    local name=$1 tag=$2 dockerfile=$3; shift 3
    local tarball key
    tarball=$(rootfs "$name" "$@")
    key=$(cat "$dockerfile" deploy/images/*.sh | sha256sum | cut -c1-16)-$(basename "$tarball" .tar)
    if [ "$("$DOCKER" image inspect -f '{{index .Config.Labels "org.rolwh.source"}}' "$tag" 2>/dev/null)" = "$key" ]; then
        echo "$tag (unchanged)"
        return
    fi
    "$DOCKER" import "$tarball" "rolwh-rootfs-$name:$SUITE" >/dev/null
    "$DOCKER" build -q --build-arg ROOTFS="rolwh-rootfs-$name:$SUITE" --label "org.rolwh.source=$key" \
        -t "$tag" -f "$dockerfile" deploy/images >/dev/null
    "$DOCKER" rmi "rolwh-rootfs-$name:$SUITE" >/dev/null 2>&1 || true
    echo "$tag"
}

image python rolwh-python:3.11-bookworm deploy/images/python.Dockerfile \
    python3 python3-venv tini tzdata ca-certificates
image postgres rolwh-postgres:15-bookworm deploy/images/postgres.Dockerfile \
    postgresql-15 tzdata
image redis rolwh-redis:7-bookworm deploy/images/redis.Dockerfile \
    redis-server

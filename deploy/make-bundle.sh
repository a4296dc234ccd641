#!/usr/bin/env bash
# make-bundle.sh: dist/rolwh-offline-<version>.tar.gz for a site with no network: the images
# (rolwh-airflow built from dist/wheelhouse on the Debian stand-in base, rolwh-postgres,
# rolwh-redis; `docker save`), docker-compose.yaml, env.template, first-run-secrets.sh, install.sh
# and the Chinese install guide INSTALL.zh.md. Run `make bundle` (it makes the wheelhouse and the
# offline images first). BASE_IMAGE, POSTGRES_IMAGE, REDIS_IMAGE override the images used.
set -euo pipefail
cd "$(dirname "$0")/.."
DOCKER=${DOCKER:-docker}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' pyproject.toml | head -1)
base=${BASE_IMAGE:-rolwh-python:3.11-bookworm}
postgres=${POSTGRES_IMAGE:-rolwh-postgres:15-bookworm}
redis=${REDIS_IMAGE:-rolwh-redis:7-bookworm}
image=rolwh-airflow:$version
name=rolwh-offline-$version
stage=dist/$name

[ -s dist/wheelhouse/requirements.txt ] || { echo "make-bundle: dist/wheelhouse is missing: run make wheelhouse" >&2; exit 2; }
start=$(date +%s)
"$DOCKER" build -q --build-arg BASE_IMAGE="$base" -t "$image" -t rolwh-airflow:latest . >/dev/null
echo "make-bundle: built $image from the wheelhouse in $(( $(date +%s) - start )) s"

rm -rf "$stage" "dist/$name.tar.gz"
mkdir -p "$stage/images"
"$DOCKER" save -o "$stage/images/rolwh-images.tar" "$image" "$postgres" "$redis"
cp docker-compose.yaml deploy/env.template deploy/first-run-secrets.sh deploy/install.sh \
   deploy/INSTALL.zh.md "$stage/"
sed -i -e "s|^ROLWH_IMAGE=.*|ROLWH_IMAGE=$image|" -e "s|^POSTGRES_IMAGE=.*|POSTGRES_IMAGE=$postgres|" \
    -e "s|^REDIS_IMAGE=.*|REDIS_IMAGE=$redis|" "$stage/env.template"
echo "$version" >"$stage/VERSION"
(cd "$stage" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum >SHA256SUMS)
tar -C dist -cf - "$name" | gzip -1 >"dist/$name.tar.gz.part"
mv "dist/$name.tar.gz.part" "dist/$name.tar.gz"
rm -rf "$stage"
echo "make-bundle: dist/$name.tar.gz ($(du -h "dist/$name.tar.gz" | cut -f1); image $image $("$DOCKER" image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"

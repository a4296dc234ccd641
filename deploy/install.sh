#!/usr/bin/env bash
# install.sh --dir DIR [--no-start] [--workers N]: install the rolwh stack from this bundle, with
# no network: load the images, write DIR/docker-compose.yaml, DIR/.env (random secrets on the first
# install; kept on an upgrade) and DIR/data/{landing,serving,reports,releases}, then start it.
# Afterwards `docker-compose -f DIR/docker-compose.yaml up -d` / `down` work as usual.
# Exit codes: 0 installed (and started), 2 bad usage, 3 Docker or docker-compose missing,
# 4 loading the images failed, 5 the stack did not start.
set -euo pipefail
bundle=$(cd "$(dirname "$0")" && pwd)
dir="" start=1 workers=1

usage() { echo "usage: install.sh --dir DIR [--no-start] [--workers N]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
        --dir) [ $# -ge 2 ] || usage; dir=$2; shift 2 ;;
        --no-start) start=0; shift ;;
        --workers) [ $# -ge 2 ] || usage; workers=$2; shift 2 ;;
        -h | --help) usage ;;
        *) echo "install.sh: unknown option $1" >&2; usage ;;
    esac
done
[ -n "$dir" ] || usage
case $workers in '' | *[!0-9]*) echo "install.sh: --workers needs a number" >&2; exit 2 ;; esac

docker info >/dev/null 2>&1 || { echo "install.sh: no Docker engine answers: start it (systemctl start docker) and run install.sh again" >&2; exit 3; }
if command -v docker-compose >/dev/null 2>&1; then compose=(docker-compose)
elif docker compose version >/dev/null 2>&1; then compose=(docker compose)
else echo "install.sh: docker-compose is missing: install Debian's docker-compose package (see INSTALL.zh.md)" >&2; exit 3; fi

version=$(cat "$bundle/VERSION")
echo "install.sh: loading the images of rolwh $version ..."
for tarball in "$bundle"/images/*.tar; do
    docker load -i "$tarball" >/dev/null || { echo "install.sh: docker load $tarball failed" >&2; exit 4; }
done

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
mkdir -p "$dir/data/landing" "$dir/data/serving" "$dir/data/reports" "$dir/data/releases"
cp "$bundle/docker-compose.yaml" "$dir/docker-compose.yaml"
ENV_TEMPLATE="$bundle/env.template" "$bundle/first-run-secrets.sh" "$dir/.env"
# This bundle's image tag, also on an upgrade (the secrets and the rest of .env stay).
sed -i "s|^ROLWH_IMAGE=.*|ROLWH_IMAGE=rolwh-airflow:$version|" "$dir/.env"
cp "$bundle/INSTALL.zh.md" "$dir/INSTALL.zh.md"

if [ "$start" = 1 ]; then
    echo "install.sh: starting the stack in $dir ..."
    "${compose[@]}" -f "$dir/docker-compose.yaml" up -d --scale "airflow-worker=$workers" \
        || { echo "install.sh: the stack did not start: see \`${compose[*]} -f $dir/docker-compose.yaml logs\`" >&2; exit 5; }
fi
port=$(sed -n 's/^AIRFLOW_API_PORT=//p' "$dir/.env")
user=$(sed -n 's/^AIRFLOW_ADMIN_USER=//p' "$dir/.env")
echo "install.sh: rolwh $version installed in $dir"
echo "  exports go into   $dir/data/landing/<feed>/"
echo "  BI reads          $dir/data/serving/rolwh.duckdb and $dir/data/serving/parquet/"
echo "  Airflow           http://127.0.0.1:$port (user $user, password AIRFLOW_ADMIN_PASSWORD in $dir/.env)"

#!/usr/bin/env bash
# first-run-secrets.sh [ENV_FILE]: write the stack's .env with random secrets (default ./.env).
# A missing file starts from env.template (next to this script); a setting of the template the file
# lacks is added with the template's value; every secret that is empty gets a fresh random value;
# values already set are kept (so an upgrade never changes the key or the database password). The file is made mode 0600. Needs only coreutils (no Python, no network).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
env_file=${1:-.env}
template=${ENV_TEMPLATE:-$here/env.template}

umask 077
if [ ! -e "$env_file" ]; then
    [ -r "$template" ] || { echo "first-run-secrets: no $env_file and no template $template" >&2; exit 2; }
    cp "$template" "$env_file"
fi
chmod 600 "$env_file"
if [ -r "$template" ]; then
    grep -E '^[A-Z_]+=' "$template" | while IFS= read -r line; do
        grep -q "^${line%%=*}=" "$env_file" || printf '%s\n' "$line" >>"$env_file"
    done
fi

hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
fernet() { head -c 32 /dev/urandom | base64 | tr '+/' '-_'; }   # url-safe base64 of 32 bytes

filled=()
for name in AIRFLOW_ADMIN_PASSWORD AIRFLOW_JWT_SECRET AIRFLOW_API_SECRET_KEY AIRFLOW_FERNET_KEY \
            POSTGRES_PASSWORD ROLWH_KEY; do
    case $name in
        AIRFLOW_FERNET_KEY) value=$(fernet) ;;
        AIRFLOW_ADMIN_PASSWORD | POSTGRES_PASSWORD) value=$(hex 16) ;;
        *) value=$(hex 32) ;;
    esac
    if grep -q "^$name=" "$env_file"; then
        grep -q "^$name=." "$env_file" && continue
        sed -i "s|^$name=\$|$name=$value|" "$env_file"
    else
        printf '%s=%s\n' "$name" "$value" >>"$env_file"
    fi
    filled+=("$name")
done
if [ "${#filled[@]}" -gt 0 ]; then
    echo "first-run-secrets: wrote random ${filled[*]} into $env_file (mode 0600)"
else
    echo "first-run-secrets: $env_file already holds every secret; nothing changed"
fi

#!/usr/bin/env bash
# dist/wheelhouse/: every package of uv.lock without the dev group, as wheels for Linux x86_64
# CPython 3.11, with requirements.txt (pinned, with the lock's SHA-256 hashes), and rolwh's own
# wheel in dist/wheelhouse/project/ (apart, so a change of the code does not reinstall the rest). The Dockerfile installs from it with no network (pip --no-index --require-hashes).
# Downloads go through a cache outside the clone ($ROLWH_OFFLINE_CACHE/wheels; a file is reused
# only when its hash matches the lock), so a clean clone on the same machine rebuilds in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
OUT=${WHEELHOUSE:-dist/wheelhouse}
CACHE=${ROLWH_OFFLINE_CACHE:-/var/cache/rolwh-offline}
mkdir -p "$CACHE/wheels" 2>/dev/null || CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/rolwh-offline
mkdir -p "$CACHE/wheels"

rm -rf "$OUT.part"
mkdir -p "$OUT.part"
"$VENV/bin/uv" export --frozen --no-dev --no-emit-project --format requirements-txt \
    --output-file "$OUT.part/requirements.txt" --quiet
# Download every locked package, whatever its environment marker: the image's Python (Debian's
# 3.11.2) may need one the host's Python does not (e.g. `python_full_version < '3.11.3'`). The
# markers are all true on Linux CPython except such patch-level bounds; pip applies them at install.
sed -E 's/ ; [^\\]*\\$/ \\/' "$OUT.part/requirements.txt" >"$OUT.part/download.txt"
platforms=(--platform linux_x86_64 --platform manylinux1_x86_64 --platform manylinux2010_x86_64
           --platform manylinux2014_x86_64)
for glibc in 5 12 17 24 27 28 31 34 35 36; do platforms+=(--platform "manylinux_2_${glibc}_x86_64"); done
"$VENV/bin/python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    "${platforms[@]}" --python-version 3.11 --implementation cp --abi cp311 --abi abi3 --abi none \
    --dest "$CACHE/wheels" -r "$OUT.part/download.txt" 2> >(grep -v "is ignored: it is neither" >&2)
rm "$OUT.part/download.txt"
# Copy exactly the locked files (name==version) out of the cache.
grep -E '^[A-Za-z0-9]' "$OUT.part/requirements.txt" | sed -E 's/ .*//' | while IFS='=' read -r name _ version; do
    norm=$(echo "$name" | tr '[:upper:]-.' '[:lower:]__')
    found=$(find "$CACHE/wheels" -maxdepth 1 -iname "${norm}-${version}-*.whl" | head -1)
    [ -n "$found" ] || { echo "make-wheelhouse: no wheel for $name $version" >&2; exit 1; }
    cp "$found" "$OUT.part/"
done
"$VENV/bin/uv" build --wheel --out-dir "$OUT.part/project" --quiet
rm -rf "$OUT"
mv "$OUT.part" "$OUT"
echo "$OUT: $(ls "$OUT"/*.whl | wc -l) wheels + $(ls "$OUT"/project), $(du -sh "$OUT" | cut -f1)"

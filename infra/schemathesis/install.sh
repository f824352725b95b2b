#!/usr/bin/env bash
# Schemathesis, the OpenAPI fuzzer of the fuzz test (tests/e2e/openapi-fuzz.int.test.ts), from PyPI
# into a virtual environment under .cache (once; again when requirements.txt changes): every
# package pinned in requirements.txt. Prints the path of its `st` on stdout, progress on stderr.
#
#   infra/schemathesis/install.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="${SCHEMATHESIS_VENV:-$root/.cache/schemathesis}"
requirements="$here/requirements.txt"
stamp="$venv/.requirements"

if [ -x "$venv/bin/st" ] && [ -f "$stamp" ] && cmp -s "$stamp" "$requirements"; then
  echo "$venv/bin/st"
  exit 0
fi
command -v python3 >/dev/null || { echo "schemathesis: python3 is needed (apt-get install python3 python3-venv)" >&2; exit 1; }
echo "schemathesis: installing $(grep -i '^schemathesis==' "$requirements") into $venv ..." >&2
rm -rf "$venv"
python3 -m venv "$venv" >&2 || {
  echo "schemathesis: python3 -m venv failed (apt-get install python3-venv)" >&2
  exit 1
}
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps -r "$requirements" >&2
"$venv/bin/pip" check >&2
cp "$requirements" "$stamp"
"$venv/bin/st" --version >&2
echo "$venv/bin/st"

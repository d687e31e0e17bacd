#!/usr/bin/env bash
# Runs pytest on the given paths with the virtualenv's Python. nx runs one
# suite per project through this script (the `pytest` target) and caches it.
# VENV names another virtualenv made from the same requirements (default .venv).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${VENV:-.venv}
if [ ! -x "$venv/bin/python" ]; then
  echo "pytest: no virtualenv at $venv; create it with: npx projen venv" >&2
  exit 2
fi
exec "$venv/bin/python" -m pytest -q "$@"

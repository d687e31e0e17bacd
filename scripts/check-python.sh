#!/usr/bin/env bash
# Checks that the Python the virtualenv is made from ($PYTHON, else python3) is 3.11 or 3.12,
# the versions Airflow 3.0.6 and 2.11.0, dbt and moto are pinned for.
set -uo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
fix="install Python 3.12 (what MWAA runs Airflow 3.0.6 on) or 3.11 and point PYTHON at it, e.g. PYTHON=python3.12 npx projen local"

if ! command -v "$python" >/dev/null 2>&1; then
  echo "python: '$python' was not found; $fix" >&2
  exit 2
fi
if ! version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null); then
  echo "python: '$python' does not run; $fix" >&2
  exit 2
fi
case "$version" in
  3.11|3.12) ;;
  *)
    echo "python: $python is Python $version, which is not supported; $fix" >&2
    exit 2
    ;;
esac
if [ -x .venv/bin/python ]; then
  venv_version=$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo none)
  case "$venv_version" in
    3.11|3.12) ;;
    *)
      echo "python: .venv was made with Python $venv_version, which is not supported; remove it (rm -rf .venv) and $fix" >&2
      exit 2
      ;;
  esac
fi

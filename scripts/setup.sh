#!/usr/bin/env bash
# Set-up shared by the main job and the tests: a virtualenv in .venv holding
# the project (editable) with its dev tools, and the generated client in
# generated/. Idempotent: a rerun only regenerates (byte-identical output).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip setuptools wheel
  .venv/bin/python -m pip install -q -e '.[dev]'
fi
.venv/bin/python scripts/generate.py "$@"
# An editable install records the packages present when it ran: install again
# once generated/mattermost_api exists.
if [ ! -f "$stamp" ] || ! .venv/bin/python -c 'import mattermost_api' 2>/dev/null; then
  .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
  touch "$stamp"
fi

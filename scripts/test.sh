#!/usr/bin/env bash
# The test command: set-up (venv, generated client), then pytest (quiet unless told otherwise:
# arguments go to pytest). Integration tests start a local Mattermost (scripts/mmserver.py)
# unless MM_URL points at one; MM_REQUIRE_SERVER=1 turns their skips into failures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
exec .venv/bin/python -m pytest -q "$@"

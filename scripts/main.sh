#!/usr/bin/env bash
# The main job: set up, regenerate the client from the pinned spec, start the
# local Mattermost (unless MM_URL is set) and run the seed walkthrough.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python scripts/walkthrough.py "$@"

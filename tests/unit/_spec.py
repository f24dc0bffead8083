"""Helpers for the spec-pipeline tests: import scripts/specbuild and find the shared sources."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
SHARED_API = REPO.parent / "shared" / "mattermost-api"
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))

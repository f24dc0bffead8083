"""Where the spec-pipeline tests find the repository and the shared upstream sources.

(pytest puts scripts/ on sys.path, see pyproject's `pythonpath`, for `specbuild`.)"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED_API = REPO.parent / "shared" / "mattermost-api"

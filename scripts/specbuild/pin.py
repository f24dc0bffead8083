"""The project's pin of the upstream spec: release, source files in bundle order, hashes."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .errors import SpecError

REPO = Path(__file__).resolve().parents[2]
DEFAULT_PIN = REPO / "spec" / "pin.json"


@dataclass(frozen=True)
class Pin:
    release: str  # upstream release tag, e.g. v11.6.0
    upstream_url: str  # template with {tag} and {file}
    source_dir: Path  # the offline copy the hashes describe
    files: tuple[tuple[str, str], ...]  # (file name, sha256) in bundle order
    path: Path

    @property
    def file_names(self) -> list[str]:
        return [name for name, _ in self.files]

    def expected_hash(self, name: str) -> str | None:
        return dict(self.files).get(name)


def load_pin(path: Path = DEFAULT_PIN) -> Pin:
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise SpecError(f"{path}: pin file not found") from None
    except json.JSONDecodeError as exc:
        raise SpecError(f"{path}: invalid JSON ({exc.msg} at line {exc.lineno})") from None
    try:
        return Pin(
            release=raw["release"],
            upstream_url=raw["upstream_url"],
            source_dir=(REPO / raw["source_dir"]).resolve(),
            files=tuple((f["name"], f["sha256"]) for f in raw["files"]),
            path=path,
        )
    except (KeyError, TypeError) as exc:
        raise SpecError(f"{path}: malformed pin, missing {exc}") from None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

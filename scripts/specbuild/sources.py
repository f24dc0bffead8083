"""Read upstream's spec source files: from a directory (offline) or a release tag (online)."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .errors import SpecError
from .pin import Pin, sha256


@dataclass(frozen=True)
class SourceFile:
    name: str
    text: str
    origin: str  # path or URL, for messages


def bundle_order_for(directory: Path, pin: Pin) -> list[str]:
    """The bundle order of a source dir: the pin's when it describes it, else bundle-order.txt."""
    if directory.resolve() == pin.source_dir:
        return pin.file_names
    for candidate in (directory / "bundle-order.txt", directory.parent / "bundle-order.txt"):
        if candidate.is_file():
            return candidate.read_text().split()
    raise SpecError(
        f"{directory}: no bundle-order.txt here or in its parent, and the pin does not describe it"
    )


def read_directory(directory: Path, pin: Pin, *, check_hashes: bool) -> list[SourceFile]:
    if not directory.is_dir():
        raise SpecError(f"{directory}: source directory not found")
    files = []
    for name in bundle_order_for(directory, pin):
        path = directory / name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise SpecError(f"{path}: source file listed in the bundle order is missing") from None
        if check_hashes:
            expected = pin.expected_hash(name)
            if expected is None:
                raise SpecError(f"{path}: not listed in the pin {pin.path.name}")
            if sha256(data) != expected:
                raise SpecError(
                    f"{path}: sha256 {sha256(data)[:12]}… does not match the pin ({expected[:12]}…)"
                )
        files.append(SourceFile(name, _decode(data, path), str(path)))
    return files


def read_tag(tag: str, pin: Pin, *, timeout: float = 30.0) -> list[SourceFile]:
    """Fetch the pin's file list at an upstream release tag (hashes describe the offline copy)."""
    files = []
    for name in pin.file_names:
        url = pin.upstream_url.format(tag=tag, file=name)
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                data = response.read()
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SpecError(f"{url}: cannot fetch ({exc})") from None
        files.append(SourceFile(name, _decode(data, url), url))
    return files


def _decode(data: bytes, origin: object) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{origin}: not UTF-8 ({exc.reason} at byte {exc.start})") from None

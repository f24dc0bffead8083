"""Read upstream's spec in any of its forms: a directory of source files, one bundled
file (YAML or JSON, local path or URL), or a release tag's source files (online).

`read_input` turns what the user named into `SpecInput`: the files to bundle and the
spec's identity (version or date, source, sha256) that the generated package records.
"""

from __future__ import annotations

import re
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


@dataclass(frozen=True)
class SpecInput:
    """What the generator reads, and which spec it is."""

    files: tuple[SourceFile, ...]
    kind: str  # "sources" (files bundled here) | "bundle" (upstream's single bundled file)
    version: str  # release tag, bundle date, or the spec's info.version when nothing better
    source: str  # the directory, file or URL the user named (or the pinned release)
    sha256: str  # of the bundled file, or of the source files' names and hashes in order


_DATE = re.compile(r"(\d{4}-\d{2}(?:-\d{2})?)")
_URL = re.compile(r"^https?://", re.I)


def read_input(source: str | Path | None, tag: str | None, pin: Pin) -> SpecInput:
    """Resolve `--source` / `--tag` (neither: the pinned release's offline copy)."""
    if tag:
        files = read_tag(tag, pin)
        return SpecInput(tuple(files), "sources", tag, tag, _sources_hash(files))
    if source is None:
        files = read_directory(pin.source_dir, pin, check_hashes=True)
        return SpecInput(tuple(files), "sources", pin.release, pin.release, _sources_hash(files))
    text = str(source)
    if _URL.match(text):
        data = fetch(text)
        return _bundle_input(SourceFile(_url_name(text), _decode(data, text), text), data)
    path = Path(text).expanduser().resolve()
    if path.is_dir():
        pinned = path == pin.source_dir
        files = read_directory(path, pin, check_hashes=pinned)
        version = pin.release if pinned else _version_from_name(path)
        label = pin.release if pinned else str(path)
        return SpecInput(tuple(files), "sources", version, label, _sources_hash(files))
    if path.is_file():
        data = path.read_bytes()
        return _bundle_input(SourceFile(path.name, _decode(data, path), str(path)), data)
    raise SpecError(
        f"{path}: source not found (give a directory of source files, a bundled spec file "
        "(.yaml/.json), or an http(s) URL)"
    )


def _bundle_input(file: SourceFile, data: bytes) -> SpecInput:
    version = _version_from_name(Path(file.name)) or ""
    return SpecInput((file,), "bundle", version, file.origin, sha256(data))


def _version_from_name(path: Path) -> str:
    """A release (`v11.6`) or date (`2026-05-28`) in the path's last parts, else ''."""
    for part in reversed(path.parts[-3:]):
        match = _DATE.search(part) or re.match(r"^(v\d+\.\d+(?:\.\d+)?)$", part)
        if match:
            return match.group(1)
    return ""


def _url_name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1] or "spec.yaml"


def _sources_hash(files: list[SourceFile]) -> str:
    listing = "".join(f"{f.name}\0{sha256(f.text.encode())}\n" for f in files)
    return sha256(listing.encode())


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
        files.append(SourceFile(name, _decode(fetch(url, timeout=timeout), url), url))
    return files


def fetch(url: str, *, timeout: float = 30.0) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data: bytes = response.read()
            return data
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise SpecError(f"{url}: cannot fetch ({exc})") from None


def _decode(data: bytes, origin: object) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{origin}: not UTF-8 ({exc.reason} at byte {exc.start})") from None

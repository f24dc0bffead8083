#!/usr/bin/env python3
"""Generate ``mattermost_ext/event_names.py``: the WebSocket event names of the spec's release.

The names are the string constants of type ``WebsocketEventType`` in
``model/websocket_message.go`` of the Go module
``github.com/mattermost/mattermost/server/public``. Two sources (``--from``):

- ``release`` (default): the facts file of the pinned spec's release,
  ``websocket-events.txt`` beside its sources (``spec/pin.json`` ``source_dir``;
  for v11.6: 91 names, one a line). The Go module proxy serves ``server/public``
  only up to v0.1.22, older than the release, so the release's names are facts.
- ``go``: the Go source of the ``server/public`` version the pinned server is
  built with (``spec/server.json``), read from the Go module cache. When the
  module is not there, ``go mod download`` fetches it unless ``--offline``.

The output's header and ``EVENT_NAMES_SOURCE`` say which source was used.
Names a newer server sends arrive as plain ``str``, never an error.

Usage::

    python scripts/gen_event_names.py            # (re)write mattermost_ext/event_names.py
    python scripts/gen_event_names.py --check    # exit 1 when the committed file has drifted
    python scripts/gen_event_names.py --from go --output /tmp/x.py
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER_PIN = ROOT / "spec" / "server.json"
SPEC_PIN = ROOT / "spec" / "pin.json"
FACTS_FILE = "websocket-events.txt"
OUTPUT = ROOT / "mattermost_ext" / "event_names.py"
PUBLIC_MODULE = "github.com/mattermost/mattermost/server/public"
GO_FILE = "model/websocket_message.go"

# `Name   WebsocketEventType = "value"` inside a const block, or
# `Name = WebsocketEventType("value")`.
_TYPED_CONST = re.compile(r'^\s*([A-Z]\w*)\s+WebsocketEventType\s*=\s*"([^"]*)"', re.M)
_CONVERTED_CONST = re.compile(
    r'^\s*(?:(?:var|const)\s+)?([A-Z]\w*)\s*=\s*WebsocketEventType\(\s*"([^"]*)"\s*\)', re.M
)


class SourceNotFoundError(RuntimeError):
    """The Go source of the pinned module is not available."""


@dataclass(frozen=True)
class EventConst:
    go_name: str
    value: str

    @property
    def member(self) -> str:
        name = re.sub(r"[^0-9A-Za-z]+", "_", self.value).strip("_").upper()
        if not name or name[0].isdigit():
            name = "E_" + name
        return name


def _escape_module_path(path: str) -> str:
    """Go module cache case-encoding: an upper-case letter becomes ``!`` + lower."""
    return re.sub(r"[A-Z]", lambda m: "!" + m.group(0).lower(), path)


def go_mod_cache() -> Path:
    env = os.environ.get("GOMODCACHE")
    if env:
        return Path(env)
    try:
        out = subprocess.run(
            ["go", "env", "GOMODCACHE"], capture_output=True, text=True, check=True, timeout=30
        ).stdout.strip()
        if out:
            return Path(out)
    except (OSError, subprocess.SubprocessError):
        pass
    gopath = os.environ.get("GOPATH") or str(Path.home() / "go")
    return Path(gopath) / "pkg" / "mod"


def _module_dir(cache: Path, module: str, version: str) -> Path:
    return cache / f"{_escape_module_path(module)}@{version}"


def _download(module: str, version: str, go_env: dict[str, str]) -> None:
    env = {**os.environ, **go_env}
    try:
        subprocess.run(
            ["go", "mod", "download", f"{module}@{version}"],
            env=env,
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise SourceNotFoundError(f"go mod download {module}@{version} failed: {exc}") from exc


def _read_pin() -> tuple[str, str, dict[str, str], str | None]:
    pin = json.loads(SERVER_PIN.read_text(encoding="utf-8"))
    public = (pin.get("public_module") or {}).get("version")
    return pin["module"], pin["version"], dict(pin.get("go_env", {})), public


def public_module_version(*, offline: bool = False) -> tuple[str, Path]:
    """The ``server/public`` version the pinned server is built with, and its source dir:
    the pin's ``public_module.version`` when set, else what the server's go.mod requires."""
    module, version, go_env, pinned_public = _read_pin()
    cache = go_mod_cache()
    if pinned_public:
        return pinned_public, _public_source(cache, pinned_public, go_env, offline)
    server_dir = _module_dir(cache, module, version)
    if not (server_dir / "go.mod").is_file() and not offline:
        _download(module, version, go_env)
    gomod = server_dir / "go.mod"
    if not gomod.is_file():
        raise SourceNotFoundError(f"{gomod} not found (module {module}@{version} not downloaded)")
    match = re.search(
        rf"^\s*(?:require\s+)?{re.escape(PUBLIC_MODULE)}\s+(\S+)", gomod.read_text("utf-8"), re.M
    )
    if not match:
        raise SourceNotFoundError(f"{gomod} does not require {PUBLIC_MODULE}")
    public_version = match.group(1)
    return public_version, _public_source(cache, public_version, go_env, offline)


def _public_source(cache: Path, version: str, go_env: dict[str, str], offline: bool) -> Path:
    public_dir = _module_dir(cache, PUBLIC_MODULE, version)
    if not (public_dir / GO_FILE).is_file() and not offline:
        _download(PUBLIC_MODULE, version, go_env)
    if not (public_dir / GO_FILE).is_file():
        raise SourceNotFoundError(f"{public_dir / GO_FILE} not found")
    return public_dir


def parse_constants(go_source: str) -> list[EventConst]:
    found: dict[str, EventConst] = {}
    matches = [*_TYPED_CONST.finditer(go_source), *_CONVERTED_CONST.finditer(go_source)]
    for m in sorted(matches, key=lambda m: m.start()):
        const = EventConst(m.group(1), m.group(2))
        if const.value and const.value not in found:
            found[const.value] = const
    return list(found.values())


def release_facts() -> tuple[str, Path]:
    """The pinned spec's release and its facts file of event names."""
    pin = json.loads(SPEC_PIN.read_text(encoding="utf-8"))
    facts = (ROOT / pin["source_dir"]).resolve().parent / FACTS_FILE
    if not facts.is_file():
        raise SourceNotFoundError(f"{facts} not found (the event names of {pin['release']})")
    return pin["release"], facts


def parse_facts(text: str) -> list[EventConst]:
    """One event name a line; blank lines and `#` comments ignored, duplicates once."""
    names = [line.strip() for line in text.splitlines()]
    unique = dict.fromkeys(n for n in names if n and not n.startswith("#"))
    return [EventConst("", name) for name in unique]


def render(consts: list[EventConst], source: str, described: str, public_version: str) -> str:
    members = {}
    for c in consts:
        if c.member in members:
            raise ValueError(f"two event names map to member {c.member}")
        members[c.member] = c
    lines = [
        "# DO NOT EDIT: @generated by scripts/gen_event_names.py from",
        f"# {source}",
        f"# ({described}).",
        "# Regenerate with: python scripts/gen_event_names.py",
        '"""WebSocket event names sent by the Mattermost server (``event`` field).',
        "",
        "Every constant of type ``WebsocketEventType`` of the server source named above.",
        "Names a newer server adds arrive as plain ``str``; see ``mattermost_ext.events``.",
        '"""',
        "",
        "from enum import StrEnum",
        "",
        f'EVENT_NAMES_SOURCE = "{source}"',
        '"""Where these names come from (a release\'s facts file, or a Go module)."""',
        f'SERVER_PUBLIC_MODULE_VERSION = "{public_version}"',
        '"""The ``server/public`` Go module version the pinned test server is built with."""',
        "",
        "",
        "class EventName(StrEnum):",
        '    """The ``event`` field of a WebSocket event."""',
        "",
    ]
    for c in consts:
        lines.append(f'    {c.member} = "{c.value}"')
        if c.go_name:
            lines.append(f'    """Go: ``model.{c.go_name}``."""')
    lines += [
        "",
        "",
        f"EVENT_NAME_COUNT = {len(consts)}",
        "",
    ]
    return "\n".join(lines)


def pinned_public_version() -> str:
    return _read_pin()[3] or ""


def generate(*, offline: bool = False, source: str = "release") -> str:
    if source == "release":
        release, facts = release_facts()
        consts = parse_facts(facts.read_text(encoding="utf-8"))
        if not consts:
            raise SourceNotFoundError(f"{facts}: no event names")
        label = f"{release} {FACTS_FILE}"
        described = (
            f"the {len(consts)} names of server/public/{GO_FILE} in {release}, the spec's release"
        )
        return render(consts, label, described, pinned_public_version())
    version, public_dir = public_module_version(offline=offline)
    consts = parse_constants((public_dir / GO_FILE).read_text(encoding="utf-8"))
    if not consts:
        raise SourceNotFoundError(f"no WebsocketEventType constants in {public_dir / GO_FILE}")
    label = f"{PUBLIC_MODULE}@{version} {GO_FILE}"
    return render(
        consts, label, "the version the pinned server in spec/server.json is built with", version
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--check", action="store_true", help="fail when the output would change")
    parser.add_argument("--offline", action="store_true", help="never run go mod download")
    parser.add_argument(
        "--from", dest="source", choices=("release", "go"), default="release",
        help="the spec release's facts file (default) or the pinned server's Go module",
    )  # fmt: skip
    args = parser.parse_args(argv)
    try:
        text = generate(offline=args.offline, source=args.source)
    except SourceNotFoundError as exc:
        print(f"gen_event_names: {exc}", file=sys.stderr)
        return 2
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"gen_event_names: {args.output} is out of date; rerun", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} from {text.splitlines()[1].removeprefix('# ')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

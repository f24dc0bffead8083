#!/usr/bin/env python3
"""Build, start and stop a local Mattermost server (plus a throwaway PostgreSQL) for the tests.

    python3 scripts/mmserver.py up [--port N] [--rate-limit PERSEC[:BURST]] [--timeout S]
    python3 scripts/mmserver.py status [--json]
    python3 scripts/mmserver.py restart [--rate-limit PERSEC[:BURST] | --no-rate-limit]
    python3 scripts/mmserver.py down
    python3 scripts/mmserver.py build [--force]

The server version is pinned in spec/server.json (the only place it is pinned).  The binary is
built from a small wrapper Go module in .cache/mmserver-build/ and reused while the pin (and the
build recipe of this script) is unchanged.  Runtime state lives in .mmserver/: one run directory
per `up` (PostgreSQL cluster, config.json, logs, files) and .mmserver/server.json (mode 0600) with
the URL, tokens, users, team and channel made by the bootstrap, the pids and the directories.

Tests import this module (tests/conftest.py): `up()`, `down()`, `status()`, `restart()`, and
`rate_limited_server()`: a second, rate-limited Mattermost process on the same database (Mattermost
reads RateLimitSettings only at start).  Standard library only.

Environment: MMSERVER_STATE_DIR (another runtime dir: an independent second server),
MMSERVER_CACHE_DIR (another build cache),
MMSERVER_PIN_FILE (another pin file).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import glob
import hashlib
import json
import os
import pwd
import re
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# MMSERVER_PIN_FILE: another pin file (to try a different server build; tests of this script).
PIN_FILE = Path(os.environ.get("MMSERVER_PIN_FILE") or ROOT / "spec" / "server.json")
# MMSERVER_CACHE_DIR: another build cache (tests of this script's build errors).
CACHE_DIR = Path(os.environ.get("MMSERVER_CACHE_DIR") or ROOT / ".cache").resolve()
BUILD_DIR = CACHE_DIR / "mmserver-build"
BINARY = BUILD_DIR / "mattermost"
STAMP_FILE = BUILD_DIR / "stamp.json"
BUILD_LOG = BUILD_DIR / "build.log"
# MMSERVER_STATE_DIR: another runtime directory (a second, independent server).
STATE_DIR = Path(os.environ.get("MMSERVER_STATE_DIR") or ROOT / ".mmserver").resolve()
STATE_FILE = STATE_DIR / "server.json"
LOCK_FILE = STATE_DIR / "lock"
FAILED_LOGS = STATE_DIR / "failed-logs"  # logs of the last `up` that failed (run dir removed)

# Bump when the way the wrapper module is assembled changes: it invalidates the cached binary.
BUILD_RECIPE = 3

# The server module at the pinned pseudo-version is a commit of Mattermost's monorepo; its
# go.mod requires an older release of the companion module server/public (v0.1.20) than the
# code it was developed against (upstream builds with a go.work pointing at ./public), and it
# does not compile against it.  The module proxy serves no pseudo-version of server/public for
# that commit, so the wrapper uses the closest later tag of server/public (v0.1.22, tagged
# 17 days after the pinned commit), restores the files that tag removed (from the release the
# server's go.mod names), and adapts one call site in a copy of the server module.  Both
# copies are made at build time from the module cache into .cache/mmserver-build/; see
# adaptations.json there.  spec/server.json may set {"public_module": {"version": "...",
# "restore_from": "...", "no_patches": true}} to change this.  There is no web app (client/):
# the server answers the API only.
PUBLIC_MODULE = "github.com/mattermost/mattermost/server/public"
PUBLIC_MODULE_DEFAULT_VERSION = "v0.1.22"

# Call-site adaptations of the server copy to that server/public tag: (file, regex,
# replacement, reason).  Each must match, or the build stops with a clear error.
SERVER_PATCHES: list[tuple[str, str, str, str]] = [
    (
        "channels/store/sqlstore/autotranslation_store.go",
        r"!translation\.IsValid\(\)",
        "translation.IsValid() != nil",
        "model.Translation.IsValid returns *AppError (not bool) in the later server/public",
    ),
]

DEFAULT_READY_TIMEOUT = 180.0
PG_USER = "postgres"  # unprivileged OS user that owns and runs the throwaway cluster
DB_NAME = "mattermost"
DB_USER = "mmuser"

ADMIN_USERNAME = "sysadmin"
USER_USERNAME = "user1"
TEAM_NAME = "testteam"
CHANNEL_NAME = "test-channel"


class MMServerError(Exception):
    """A failure with a one-line, user-facing message."""


def log(msg: str) -> None:
    print(f"mmserver: {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# pin and build


def load_pin() -> dict[str, Any]:
    try:
        pin = json.loads(PIN_FILE.read_text())
    except (OSError, ValueError) as exc:
        raise MMServerError(f"cannot read the server pin {PIN_FILE}: {exc}") from exc
    if not isinstance(pin, dict):
        raise MMServerError(f"server pin {PIN_FILE} is not a JSON object")
    for key in ("module", "version"):
        if not pin.get(key):
            raise MMServerError(f"server pin {PIN_FILE} has no {key!r}")
    return dict(pin)


def _go_env(pin: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    env.update({k: str(v) for k, v in (pin.get("go_env") or {}).items()})
    return env


def _go() -> str:
    go = shutil.which("go")
    if go is None:
        raise MMServerError("Go toolchain not found: install Go (go1.24+) and put `go` on PATH")
    return go


def _run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, text=True, capture_output=True, check=False, **kw)


def _module_dir(pin: dict[str, Any], module: str, version: str) -> Path:
    """Directory of module@version in the module cache (downloading it when needed)."""
    res = _run(
        [_go(), "mod", "download", "-json", f"{module}@{version}"],
        env=_go_env(pin),
        cwd=tempfile.gettempdir(),
    )
    try:
        info = json.loads(res.stdout)
    except ValueError:
        info = {}
    if res.returncode != 0 or not info.get("Dir"):
        err = info.get("Error") or res.stderr.strip() or "unknown error"
        err = " ".join(str(err).split())
        raise MMServerError(f"cannot get {module}@{version} from the Go module proxy: {err}")
    return Path(info["Dir"])


def server_module_dir(pin: dict[str, Any] | None = None) -> Path:
    pin = pin or load_pin()
    return _module_dir(pin, pin["module"], pin["version"])


def _parse_gomod(text: str) -> tuple[str, dict[str, str], list[str]]:
    """(go directive, requirements, replace lines as 'old [v] => new [v]') of a go.mod."""
    go_directive = ""
    requires: dict[str, str] = {}
    replaces: list[str] = []
    block = ""
    for raw in text.splitlines():
        line = raw.split("//", 1)[0].strip()
        if not line:
            continue
        if block:
            if line == ")":
                block = ""
                continue
            body = line
        else:
            word, _, rest = line.partition(" ")
            rest = rest.strip()
            if word == "go":
                go_directive = rest
                continue
            if word in ("require", "replace"):
                if rest == "(":
                    block = word
                    continue
                block_word, body = word, rest
                if block_word == "require":
                    parts = body.split()
                    if len(parts) >= 2:
                        requires[parts[0]] = parts[1]
                else:
                    replaces.append(" ".join(body.split()))
            continue
        if block == "require":
            parts = body.split()
            if len(parts) >= 2:
                requires[parts[0]] = parts[1]
        elif block == "replace":
            replaces.append(" ".join(body.split()))
    return go_directive, requires, replaces


def _pseudo_version_parts(version: str) -> tuple[str, str]:
    """(commit date as ISO, short commit hash) of a Go pseudo-version, or ('', '')."""
    m = re.search(r"(\d{14})-([0-9a-f]{12})$", version)
    if not m:
        return "", ""
    ts = m.group(1)
    iso = f"{ts[0:4]}-{ts[4:6]}-{ts[6:8]}T{ts[8:10]}:{ts[10:12]}:{ts[12:14]}Z"
    return iso, m.group(2)


def _build_key(pin: dict[str, Any]) -> str:
    material = json.dumps({"pin": pin, "recipe": BUILD_RECIPE}, sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()


def _read_stamp() -> dict[str, Any]:
    try:
        return dict(json.loads(STAMP_FILE.read_text()))
    except (OSError, ValueError):
        return {}


def _writable_copy(src: Path, dst: Path) -> None:
    if dst.exists():
        for p in dst.rglob("*"):
            with contextlib.suppress(OSError):
                p.chmod(0o755 if p.is_dir() else 0o644)
        shutil.rmtree(dst)
    shutil.copytree(src, dst, symlinks=True)
    for p in [dst, *dst.rglob("*")]:
        if not p.is_symlink():
            p.chmod(0o755 if p.is_dir() else 0o644)


def _prepare_wrapper(pin: dict[str, Any], go: str) -> list[str]:
    """Write the wrapper module (with patched copies of the two modules); return ldflags."""
    mod_dir = server_module_dir(pin)
    go_directive, requires, replaces = _parse_gomod((mod_dir / "go.mod").read_text())

    public_pin = pin.get("public_module") or {}
    public_version = public_pin.get("version", PUBLIC_MODULE_DEFAULT_VERSION)
    public_base = public_pin.get("restore_from", requires.get(PUBLIC_MODULE, ""))
    BUILD_DIR.mkdir(parents=True, exist_ok=True)

    # server/public: the later tag, plus the files it removed since the release the server's
    # go.mod names (its packages still use them).
    overlay = BUILD_DIR / "public"
    _writable_copy(_module_dir(pin, PUBLIC_MODULE, public_version), overlay)
    restored: list[str] = []
    if public_base and public_base != public_version:
        base = _module_dir(pin, PUBLIC_MODULE, public_base)
        for f in sorted(base.rglob("*.go")):
            rel = f.relative_to(base)
            if f.name.endswith("_test.go") or (overlay / rel).exists():
                continue
            if not (overlay / rel).parent.is_dir():
                continue  # a package the newer release dropped entirely: not needed
            shutil.copy2(f, overlay / rel)
            (overlay / rel).chmod(0o644)
            restored.append(str(rel))

    # the server module: a writable copy with the few call-site adaptations to that tag.
    server = BUILD_DIR / "server"
    _writable_copy(mod_dir, server)
    applied: list[str] = []
    if public_version == PUBLIC_MODULE_DEFAULT_VERSION and not public_pin.get("no_patches"):
        for relpath, pattern, replacement, reason in SERVER_PATCHES:
            target = server / relpath
            text = target.read_text()
            patched, count = re.subn(pattern, replacement, text)
            if count == 0:
                raise MMServerError(f"build patch no longer applies: {relpath}: {reason}")
            target.write_text(patched)
            applied.append(f"{relpath}: {reason} ({count}x)")
    (BUILD_DIR / "adaptations.json").write_text(
        json.dumps(
            {
                "public_version": public_version,
                "public_restored_from": public_base,
                "public_restored_files": restored,
                "server_patches": applied,
            },
            indent=2,
        )
        + "\n"
    )

    lines = [
        "// Generated by scripts/mmserver.py: builds the pinned Mattermost server.",
        "module mmserverbuild",
        "",
        f"go {go_directive or '1.24'}",
        "",
        "require (",
        f"\t{pin['module']} {pin['version']}",
        f"\t{PUBLIC_MODULE} {public_version}",
        ")",
        "",
    ]
    for rep in replaces:
        if rep.split()[0] in (PUBLIC_MODULE, pin["module"]):
            continue
        lines.append(f"replace {rep}")
    lines.append(f"replace {PUBLIC_MODULE} => ./public")
    lines.append(f"replace {pin['module']} => ./server")
    (BUILD_DIR / "go.mod").write_text("\n".join(lines) + "\n")
    (BUILD_DIR / "main.go").write_text(
        "// Generated by scripts/mmserver.py. The binary is built from the package path\n"
        f"// {pin['module']}/cmd/mattermost; this file only keeps the module non-empty.\n"
        "package main\n\nfunc main() {}\n"
    )

    date, commit = _pseudo_version_parts(pin["version"])
    model = f"{PUBLIC_MODULE}/model"
    ldflags = [f"-X {model}.BuildNumber={pin['version']}"]
    if commit:
        ldflags.append(f"-X {model}.BuildHash={commit}")
    if date:
        ldflags.append(f"-X {model}.BuildDate={date}")
    return ldflags


class BuildProgress:
    """Counts the packages ``go build -v`` names as it compiles them; reports every 30 s."""

    INTERVAL = 30.0

    def __init__(self, total: int | None, started: float) -> None:
        self.total = total  # packages in the build (None: unknown), cached ones included
        self.compiled = 0
        self.started = started
        self._last_report = started

    def feed(self, line: str) -> None:
        name = line.strip()
        # a package path: one word, no "#" headers, no compiler messages (they have ": ")
        if name and " " not in name and not name.startswith(("#", "$")) and ".go:" not in name:
            self.compiled += 1

    def _figures(self, now: float) -> str:
        of = f" of {self.total}" if self.total else ""
        return f"{self.compiled}{of} packages compiled, {now - self.started:.0f} s"

    def due(self, now: float) -> str | None:
        if now - self._last_report < self.INTERVAL:
            return None
        self._last_report = now
        return f"building: {self._figures(now)}"

    def final(self, now: float) -> str:
        cached = ""
        if self.total and self.compiled < self.total:
            cached = f" (the other {self.total - self.compiled} were cached)"
        return f"compiled: {self._figures(now)}{cached}"


def _count_packages(go: str, pin: dict[str, Any], env: dict[str, str]) -> int | None:
    """How many packages the server build takes (go list -deps), or None when unknown."""
    try:
        proc = subprocess.run(
            [go, "list", "-deps", f"{pin['module']}/cmd/mattermost"],
            cwd=BUILD_DIR, env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    count = len(proc.stdout.split())
    return count if proc.returncode == 0 and count else None


def build(force: bool = False) -> dict[str, Any]:
    """Build (or reuse) the server binary; return the stamp dict (with build figures)."""
    with _locked(CACHE_DIR / "mmserver-build.lock"):
        return _build_locked(force)


def _build_locked(force: bool) -> dict[str, Any]:
    pin = load_pin()
    go = _go()
    key = _build_key(pin)
    stamp = _read_stamp()
    if not force and stamp.get("key") == key and BINARY.is_file():
        stamp["reused"] = True
        return stamp

    ldflags = _prepare_wrapper(pin, go)
    cmd = [
        go,
        "build",
        "-o",
        str(BINARY),
        "-trimpath",
        "-ldflags",
        " ".join(ldflags),
        f"{pin['module']}/cmd/mattermost",
    ]
    env = _go_env(pin)
    log(
        f"building the Mattermost server {pin['version']} (first build takes a while; "
        f"log: {BUILD_LOG.relative_to(ROOT)})"
    )
    t0 = time.monotonic()
    progress = BuildProgress(total=_count_packages(go, pin, env), started=t0)
    cmd.insert(2, "-v")  # go build -v names each package as it is compiled: the progress
    with BUILD_LOG.open("w") as out:
        out.write("$ " + " ".join(cmd) + "\n")
        out.flush()
        time_v = Path("/usr/bin/time")
        full = [str(time_v), "-v", *cmd] if time_v.is_file() else cmd
        with subprocess.Popen(  # the context closes the pipe (no unclosed-file warning)
            full, cwd=BUILD_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, errors="replace",
        ) as proc:  # fmt: skip
            try:
                assert proc.stdout is not None
                for line in proc.stdout:
                    out.write(line)
                    progress.feed(line)
                    report = progress.due(time.monotonic())
                    if report:
                        log(report)
                rc = proc.wait()
            except BaseException:
                proc.terminate()
                proc.wait()
                raise
    seconds = time.monotonic() - t0
    log(progress.final(time.monotonic()))
    text = BUILD_LOG.read_text(errors="replace")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    peak_kb = int(m.group(1)) if m else resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if rc != 0 or not BINARY.is_file():
        errors = [
            ln
            for ln in text.splitlines()
            if ln and not ln.startswith(("$", "\t")) and "Command exited" not in ln
        ]
        first = next((ln for ln in errors if ".go:" in ln or "go: " in ln), None)
        hint = f": {first.strip()}" if first else ""
        raise MMServerError(
            f"go build of the server failed (exit {rc}){hint} " f"[full log: {BUILD_LOG}]"
        )
    version_out = _run([go, "version"]).stdout.strip()
    stamp = {
        "key": key,
        "module": pin["module"],
        "version": pin["version"],
        "go": version_out,
        "build_seconds": round(seconds, 1),
        "peak_rss_mb": round(peak_kb / 1024, 1),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    STAMP_FILE.write_text(json.dumps(stamp, indent=2) + "\n")
    log(f"built in {seconds:.1f} s (peak RSS of one build process {peak_kb / 1024:.0f} MB)")
    stamp["reused"] = False
    return stamp


# --------------------------------------------------------------------------------------------
# processes


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# Children started by this process: reaped with wait() so a stopped child is not a zombie.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    child = _CHILDREN.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return False
    except (OSError, IndexError):
        pass
    return True


def _cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        return raw.replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _stop_pid(
    pid: int | None, sig: int, expect: str, timeout: float, name: str, quiet_kill: bool = False
) -> None:
    """Send sig to pid (if it still runs `expect`), wait, then SIGKILL."""
    if not pid or not _alive(pid):
        _CHILDREN.pop(pid or 0, None)
        return
    if expect and expect not in _cmdline(pid):
        log(f"pid {pid} no longer runs {name}; not touching it")
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    if _alive(pid):
        if not quiet_kill:
            log(f"{name} (pid {pid}) did not stop in {timeout:.0f} s; killing it")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.1)
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=5)


def release_children() -> None:
    """Leave the servers this process started running after it exits (no ResourceWarning)."""
    for proc in _CHILDREN.values():
        if proc.poll() is None:
            proc.returncode = 0  # not ours to wait for any more
    _CHILDREN.clear()


def _tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


# --------------------------------------------------------------------------------------------
# PostgreSQL


def _pg_bindir() -> Path:
    def find() -> Path | None:
        found = sorted(
            glob.glob("/usr/lib/postgresql/*/bin/initdb"),
            key=lambda p: int(re.sub(r"\D", "", p.split("/")[4]) or 0),
        )
        return Path(found[-1]).parent if found else None

    bindir = find()
    if bindir is not None:
        return bindir
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise MMServerError(
            "PostgreSQL not found (/usr/lib/postgresql/*/bin/initdb): "
            "install it, e.g. `apt-get install postgresql`"
        )
    log("PostgreSQL not found: installing it with apt-get (postgresql)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "postgresql"]):
        res = _run(cmd, env=env)
        if res.returncode != 0:
            last = (res.stderr.strip().splitlines() or ["?"])[-1]
            raise MMServerError(f"`{' '.join(cmd)}` failed: {last}")
    bindir = find()
    if bindir is None:
        raise MMServerError("PostgreSQL installed but initdb not found under /usr/lib/postgresql")
    return bindir


def _pg_ids() -> tuple[int, int] | None:
    """uid/gid to run PostgreSQL as (it refuses to run as root); None if we are not root."""
    if os.geteuid() != 0:
        return None
    try:
        pw = pwd.getpwnam(PG_USER)
    except KeyError as exc:
        raise MMServerError(f"OS user {PG_USER!r} (to run PostgreSQL as) does not exist") from exc
    return pw.pw_uid, pw.pw_gid


def _start_postgres(run_dir: Path, state: dict[str, Any]) -> None:
    bindir = _pg_bindir()
    ids = _pg_ids()
    if ids:
        # PostgreSQL's user may not reach into the checkout (a clone under a 0700 temp dir,
        # a home directory): its data dir lives in the system temp dir, removed by `down`.
        data = Path(tempfile.mkdtemp(prefix="mmserver-pg-"))
    else:
        data = run_dir / "pg"
        data.mkdir(mode=0o700)
    state["pg_data"] = str(data)
    _save_state(state)
    pg_log = run_dir / "logs" / "postgres.log"
    pg_log.touch()
    if ids:
        os.chown(data, *ids)
        os.chown(pg_log, *ids)
    as_user: dict[str, Any] = {"user": ids[0], "group": ids[1], "extra_groups": []} if ids else {}
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(LC_ALL="C.UTF-8", LANG="C.UTF-8")
    res = _run(
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ],
        env=env,
        cwd=data,
        **as_user,
    )
    if res.returncode != 0:
        last = (res.stderr.strip().splitlines() or ["?"])[-1]
        raise MMServerError(f"initdb failed: {last}")
    port = _free_port()
    with pg_log.open("ab") as out:
        proc = subprocess.Popen(
            [
                str(bindir / "postgres"),
                "-D",
                str(data),
                "-p",
                str(port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "unix_socket_directories=",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=data,
            env=env,
            start_new_session=True,
            **as_user,
        )
    _CHILDREN[proc.pid] = proc
    state.update(
        pg_pid=proc.pid, pg_port=port, pg_data=str(data), pg_bindir=str(bindir), pg_log=str(pg_log)
    )
    _save_state(state)
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise MMServerError(
                f"PostgreSQL exited at start (code {proc.returncode}): " f"{_tail(pg_log, 1)}"
            )
        res = _run([str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-q"])
        if res.returncode == 0:
            break
        if time.monotonic() > deadline:
            raise MMServerError(f"PostgreSQL not ready after 60 s: {_tail(pg_log, 1)}")
        time.sleep(0.2)
    password = secrets.token_hex(12)
    res = _run(
        [
            str(bindir / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-q",
            "-c",
            f"CREATE ROLE {DB_USER} LOGIN PASSWORD '{password}'",
            "-c",
            f"CREATE DATABASE {DB_NAME} OWNER {DB_USER} ENCODING 'UTF8'",
        ],
        env=env,
    )
    if res.returncode != 0:
        raise MMServerError(f"creating the Mattermost database failed: {res.stderr.strip()}")
    state["datasource"] = (
        f"postgres://{DB_USER}:{password}@127.0.0.1:{port}/{DB_NAME}"
        "?sslmode=disable&connect_timeout=10"
    )


def _stop_postgres(state: dict[str, Any]) -> None:
    # SIGINT is PostgreSQL's "fast" shutdown (what `pg_ctl stop -m fast` sends).
    _stop_pid(state.get("pg_pid"), signal.SIGINT, "postgres", 30, "PostgreSQL")


# --------------------------------------------------------------------------------------------
# Mattermost


def _rate_limit_settings(rate_limit: dict[str, Any] | None) -> dict[str, Any]:
    """RateLimitSettings for rate_limit (None: off); unknown keys are refused."""
    if rate_limit is None:
        return {"Enable": False}
    known = {"per_sec", "max_burst", "vary_by_remote_addr", "vary_by_user", "vary_by_header"}
    unknown = set(rate_limit) - known
    if unknown:
        raise MMServerError(f"unknown rate limit option(s): {', '.join(sorted(unknown))}")
    return {
        "Enable": True,
        "PerSec": int(rate_limit.get("per_sec", 10)),
        "MaxBurst": int(rate_limit.get("max_burst", 100)),
        "MemoryStoreSize": 10000,
        "VaryByRemoteAddr": bool(rate_limit.get("vary_by_remote_addr", True)),
        "VaryByUser": bool(rate_limit.get("vary_by_user", False)),
        "VaryByHeader": str(rate_limit.get("vary_by_header", "")),
    }


def _write_config(state: dict[str, Any], rate_limit: dict[str, Any] | None) -> None:
    """Write (or update) config.json; settings not given keep Mattermost's defaults."""
    run_dir = Path(state["run_dir"])
    cfg_path = Path(state["config_path"])
    try:
        cfg = json.loads(cfg_path.read_text())
    except (OSError, ValueError):
        cfg = {}

    def section(name: str) -> dict[str, Any]:
        return cfg.setdefault(name, {})  # type: ignore[no-any-return]

    url = state["url"]
    section("ServiceSettings").update(
        {
            "SiteURL": url,
            "ListenAddress": f"127.0.0.1:{state['port']}",
            "EnableUserAccessTokens": True,
            "EnableBotAccountCreation": True,
            "EnableIncomingWebhooks": True,
            "EnableOutgoingWebhooks": True,
            "EnableCommands": True,
            "EnablePostUsernameOverride": True,
            "EnablePostIconOverride": True,
            "EnableOAuthServiceProvider": True,
            "EnableCustomEmoji": True,
            "EnableAPITeamDeletion": True,
            "EnableAPIUserDeletion": True,
            "EnableAPIChannelDeletion": True,
            "AllowedUntrustedInternalConnections": "127.0.0.1 localhost",
            "EnableLocalMode": False,
            "EnableSecurityFixAlert": False,
            "EnableDeveloper": False,
        }
    )
    section("SqlSettings").update(
        {
            "DriverName": "postgres",
            "DataSource": state["datasource"],
        }
    )
    section("TeamSettings").update(
        {
            "EnableOpenServer": True,
            "MaxUsersPerTeam": 10000,
            "MaxChannelsPerTeam": 100000,
        }
    )
    section("EmailSettings").update(
        {
            "RequireEmailVerification": False,
            "SendEmailNotifications": False,
            "EnableSignUpWithEmail": True,
            "EnableSignInWithEmail": True,
            "EnableSignInWithUsername": True,
        }
    )
    section("PluginSettings").update(
        {
            "Enable": False,
            "EnableUploads": False,
            "EnableMarketplace": False,
            "AutomaticPrepackagedPlugins": False,
            "Directory": str(run_dir / "plugins"),
            "ClientDirectory": str(run_dir / "client" / "plugins"),
        }
    )
    section("LogSettings").update(
        {
            "EnableConsole": True,
            "ConsoleLevel": "WARN",
            "EnableFile": True,
            "FileLevel": "INFO",
            "FileJson": True,
            "FileLocation": str(run_dir / "logs"),
            "EnableDiagnostics": False,
        }
    )
    section("NotificationLogSettings").update(
        {
            "EnableConsole": False,
            "EnableFile": True,
            "FileLocation": str(run_dir / "logs"),
        }
    )
    section("FileSettings").update(
        {"DriverName": "local", "Directory": str(run_dir / "data") + "/"}
    )
    section("ComplianceSettings").update({"Directory": str(run_dir / "data") + "/"})
    section("ImportSettings").update({"Directory": str(run_dir / "import")})
    section("ExportSettings").update({"Directory": str(run_dir / "export")})
    section("AnnouncementSettings").update(
        {"AdminNoticesEnabled": False, "UserNoticesEnabled": False}
    )
    section("RateLimitSettings").update(_rate_limit_settings(rate_limit))
    fd = os.open(cfg_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    state["rate_limit"] = rate_limit


def _spawn_mattermost(state: dict[str, Any], config_path: str, out_log: Path) -> int:
    """Start a Mattermost process (detached) on config_path; return its pid."""
    run_dir = Path(state["run_dir"])
    work = run_dir / "work"
    if not work.exists():
        work.mkdir()
        # The server looks up i18n/, templates/, fonts/ (and client/) from its working
        # directory; they are read-only in the module cache, so link them in.
        mod_dir = Path(state["module_dir"])
        for name in ("i18n", "templates", "fonts"):
            if (mod_dir / name).is_dir():
                (work / name).symlink_to(mod_dir / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MM_")}
    with out_log.open("ab") as out:
        proc = subprocess.Popen(
            [state["binary"], "server", "--config", config_path],
            cwd=work,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    _CHILDREN[proc.pid] = proc
    return proc.pid


def _start_mattermost(state: dict[str, Any]) -> None:
    out_log = Path(state["run_dir"]) / "logs" / "mattermost.out"
    state["mm_pid"] = _spawn_mattermost(state, state["config_path"], out_log)
    _save_state(state)


# Mattermost's graceful stop waits for its job watcher, which sleeps up to 15 s after a start
# before it listens for the stop; the data is in PostgreSQL (transactional) and throwaway, so
# a short grace period and then SIGKILL keeps restarts and `down` quick.
MM_STOP_GRACE = 3.0


def _stop_mattermost(state: dict[str, Any]) -> None:
    _stop_pid(
        state.get("mm_pid"),
        signal.SIGTERM,
        state.get("binary", "mattermost"),
        MM_STOP_GRACE,
        "Mattermost",
        quiet_kill=True,
    )


def _http(
    method: str, url: str, body: Any = None, token: str | None = None, timeout: float = 30
) -> tuple[int, dict[str, str], Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Accept", "application/json")
    req.add_header("X-Requested-With", "XMLHttpRequest")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, headers, raw = resp.status, dict(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as err:
        status, headers, raw = err.code, dict(err.headers.items()), err.read()
        err.close()
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = raw.decode(errors="replace")
    return status, headers, payload


def _api(
    state: dict[str, Any],
    method: str,
    path: str,
    body: Any = None,
    token: str | None = None,
    expect: tuple[int, ...] = (200, 201),
) -> Any:
    status, headers, payload = _http(method, state["url"] + "/api/v4" + path, body, token)
    if status not in expect:
        msg = payload.get("message") if isinstance(payload, dict) else payload
        raise MMServerError(f"bootstrap: {method} /api/v4{path} answered {status}: {msg}")
    if isinstance(payload, dict) and "__headers__" not in payload:
        payload["__headers__"] = headers
    return payload


def _wait_ready(state: dict[str, Any], timeout: float) -> float:
    t0 = time.monotonic()
    deadline = t0 + timeout
    url = state["url"] + "/api/v4/system/ping"
    pid = state["mm_pid"]
    out_log = Path(state.get("out_log") or Path(state["run_dir"]) / "logs" / "mattermost.out")
    while True:
        if not _alive(pid):
            tail = _tail(out_log)
            print(tail, file=sys.stderr)
            raise MMServerError(
                f"Mattermost exited before it was ready (logs kept in " f"{FAILED_LOGS})"
            )
        try:
            status, _, payload = _http("GET", url, timeout=5)
            if status == 200 and isinstance(payload, dict) and payload.get("status") == "OK":
                return time.monotonic() - t0
        except (OSError, urllib.error.URLError):
            pass
        if time.monotonic() > deadline:
            tail = (
                _tail(out_log)
                + "\n"
                + _tail(Path(state["run_dir"]) / "logs" / "mattermost.log", 10)
            )
            print(tail, file=sys.stderr)
            raise MMServerError(
                f"Mattermost not ready after {timeout:g} s "
                f"(GET /api/v4/system/ping; logs kept in {FAILED_LOGS})"
            )
        time.sleep(0.3)


def _bootstrap(state: dict[str, Any]) -> None:
    admin_pw = "Adm1n-" + secrets.token_urlsafe(12)
    user_pw = "Us3r-" + secrets.token_urlsafe(12)
    admin = _api(
        state,
        "POST",
        "/users",
        {
            "username": ADMIN_USERNAME,
            "email": f"{ADMIN_USERNAME}@example.com",
            "password": admin_pw,
            "first_name": "Sys",
            "last_name": "Admin",
        },
    )
    if "system_admin" not in admin.get("roles", ""):
        raise MMServerError(
            "bootstrap: the first user did not become system admin " "(the database was not empty?)"
        )
    status, headers, payload = _http(
        "POST",
        state["url"] + "/api/v4/users/login",
        {"login_id": ADMIN_USERNAME, "password": admin_pw},
    )
    session = headers.get("Token") or headers.get("token")
    if status != 200 or not session:
        raise MMServerError(f"bootstrap: admin login failed ({status}): {payload}")
    team = _api(
        state,
        "POST",
        "/teams",
        {"name": TEAM_NAME, "display_name": "Test Team", "type": "O"},
        session,
    )
    channel = _api(
        state,
        "POST",
        "/channels",
        {
            "team_id": team["id"],
            "name": CHANNEL_NAME,
            "display_name": "Test Channel",
            "type": "O",
            "purpose": "created by scripts/mmserver.py",
        },
        session,
    )
    user = _api(
        state,
        "POST",
        "/users",
        {
            "username": USER_USERNAME,
            "email": f"{USER_USERNAME}@example.com",
            "password": user_pw,
            "first_name": "Regular",
            "last_name": "User",
        },
        session,
    )
    _api(
        state,
        "POST",
        f"/teams/{team['id']}/members",
        {"team_id": team["id"], "user_id": user["id"]},
        session,
    )
    _api(state, "POST", f"/channels/{channel['id']}/members", {"user_id": user["id"]}, session)
    # A regular user needs this role to own personal access tokens.
    _api(
        state,
        "PUT",
        f"/users/{user['id']}/roles",
        {"roles": "system_user system_user_access_token"},
        session,
    )
    admin_tok = _api(
        state,
        "POST",
        f"/users/{admin['id']}/tokens",
        {"description": "mmserver admin token"},
        session,
    )
    user_tok = _api(
        state,
        "POST",
        f"/users/{user['id']}/tokens",
        {"description": "mmserver user token"},
        session,
    )
    status, headers, ping = _http(
        "GET", state["url"] + "/api/v4/system/ping?get_server_status=true", token=session
    )
    _, _, client_cfg = _http("GET", state["url"] + "/api/v4/config/client?format=old")
    client_cfg = client_cfg if isinstance(client_cfg, dict) else {}
    state.update(
        {
            "admin_username": ADMIN_USERNAME,
            "admin_password": admin_pw,
            "admin_email": admin["email"],
            "admin_id": admin["id"],
            "admin_token": admin_tok["token"],
            "admin_token_id": admin_tok["id"],
            "admin_session_token": session,
            "user_username": USER_USERNAME,
            "user_password": user_pw,
            "user_email": user["email"],
            "user_id": user["id"],
            "user_token": user_tok["token"],
            "user_token_id": user_tok["id"],
            "team_id": team["id"],
            "team_name": team["name"],
            "channel_id": channel["id"],
            "channel_name": channel["name"],
            "server_version": client_cfg.get("Version", ""),
            "server_version_id": headers.get("X-Version-Id", ""),
            "server_build_hash": client_cfg.get("BuildHash", ""),
            "server_build_number": client_cfg.get("BuildNumber", ""),
        }
    )


# --------------------------------------------------------------------------------------------
# state


def _save_state(state: dict[str, Any]) -> None:
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    tmp = STATE_FILE.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(state, f, indent=2, sort_keys=True)
        f.write("\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, STATE_FILE)


def load_state() -> dict[str, Any] | None:
    try:
        return dict(json.loads(STATE_FILE.read_text()))
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def _locked(lock_file: Path | None = None) -> Iterator[None]:
    """An exclusive lock between processes (state by default; the build dir for builds)."""
    lock_file = lock_file or LOCK_FILE
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with lock_file.open("w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _answers(state: dict[str, Any]) -> bool:
    if not _alive(state.get("mm_pid")):
        return False
    try:
        status, _, _ = _http(
            "GET", state["url"] + "/api/v4/users/me", token=state.get("admin_token"), timeout=5
        )
    except (OSError, urllib.error.URLError):
        return False
    return status in (200, 429)  # 429: rate limiting is on and the bucket is empty


def _teardown(state: dict[str, Any], keep_logs: bool = False) -> None:
    for pid in state.get("sidecar_pids") or []:
        _stop_pid(pid, signal.SIGTERM, state.get("binary", "mattermost"), 1, "", True)
    _stop_mattermost(state)
    _stop_postgres(state)
    pg_data = state.get("pg_data")
    if pg_data and Path(pg_data).name.startswith("mmserver-pg-"):
        shutil.rmtree(pg_data, ignore_errors=True)
    run_dir = state.get("run_dir")
    if run_dir and Path(run_dir).is_dir() and Path(run_dir).parent == STATE_DIR:
        if keep_logs and (Path(run_dir) / "logs").is_dir():
            shutil.rmtree(FAILED_LOGS, ignore_errors=True)
            shutil.move(str(Path(run_dir) / "logs"), FAILED_LOGS)
        shutil.rmtree(run_dir, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        STATE_FILE.unlink()


# --------------------------------------------------------------------------------------------
# public API


def status() -> dict[str, Any] | None:
    """The state of the running server, or None when it does not run (or does not answer)."""
    state = load_state()
    if state and _answers(state):
        return state
    return None


def up(
    port: int | None = None,
    rate_limit: dict[str, Any] | None = None,
    timeout: float = DEFAULT_READY_TIMEOUT,
) -> tuple[dict[str, Any], bool]:
    """Start (or reuse) the server. Returns (state, started_here)."""
    with _locked():
        state = load_state()
        if state is not None:
            if _answers(state) and (port is None or state.get("port") == port):
                log(f"reusing the running server at {state['url']}")
                if rate_limit is not None and state.get("rate_limit") != rate_limit:
                    state = _restart_locked(state, rate_limit, timeout)
                return state, False
            log("found a stale or different server; stopping it first")
            _teardown(state)

        if port is not None and not _port_free(port):
            raise MMServerError(f"port {port} on 127.0.0.1 is already in use")
        stamp = build()
        if stamp.get("reused"):
            log(
                f"using the cached server binary (built {stamp.get('built_at')} in "
                f"{stamp.get('build_seconds')} s)"
            )
        pin = load_pin()
        STATE_DIR.mkdir(parents=True, exist_ok=True)
        run_dir = Path(tempfile.mkdtemp(prefix="run-", dir=STATE_DIR))
        mm_port = port if port is not None else _free_port()
        state = {"run_dir": str(run_dir), "url": f"http://127.0.0.1:{mm_port}", "port": mm_port}
        try:
            run_dir.chmod(0o755)  # PostgreSQL's user must reach run_dir/pg
            for sub in ("logs", "data", "import", "export", "plugins"):
                (run_dir / sub).mkdir()
            state.update(
                {
                    "config_path": str(run_dir / "config.json"),
                    "log_dir": str(run_dir / "logs"),
                    "binary": str(BINARY),
                    "module": pin["module"],
                    "module_version": pin["version"],
                    "module_dir": str(server_module_dir(pin)),
                    "build_seconds": stamp.get("build_seconds"),
                    "build_peak_rss_mb": stamp.get("peak_rss_mb"),
                    "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                    "started_by_pid": os.getpid(),
                }
            )
            _save_state(state)
            _start_postgres(run_dir, state)
            _write_config(state, None)  # the bootstrap runs without rate limiting
            _start_mattermost(state)
            ready = _wait_ready(state, timeout)
            state["ready_seconds"] = round(ready, 1)
            log(f"Mattermost ready in {ready:.1f} s at {state['url']}")
            _bootstrap(state)
            _save_state(state)
            if rate_limit is not None:
                _restart_locked(state, rate_limit, timeout)
        except BaseException:
            _teardown(state, keep_logs=True)
            raise
        return state, True


def down() -> bool:
    """Stop everything `up` started. Returns False when nothing was running."""
    with _locked():
        state = load_state()
        if state is None:
            return False
        _teardown(state)
        return True


def restart(
    rate_limit: dict[str, Any] | None = None, timeout: float = DEFAULT_READY_TIMEOUT
) -> dict[str, Any]:
    """Restart Mattermost (same database, users and tokens) with rate limiting on or off.

    Mattermost reads RateLimitSettings only when it starts its HTTP server, so changing them
    through PUT /api/v4/config has no effect until a restart; this rewrites config.json and
    restarts the process (a few seconds).  rate_limit: None (off) or {"per_sec": int,
    "max_burst": int, "vary_by_remote_addr": bool, "vary_by_user": bool,
    "vary_by_header": str}; unspecified keys take Mattermost's defaults (10/s, burst 100,
    keyed by remote address).
    """
    with _locked():
        state = load_state()
        if state is None or not _alive(state.get("mm_pid")):
            raise MMServerError("no running server to restart (run `up` first)")
        return _restart_locked(state, rate_limit, timeout)


def _restart_locked(
    state: dict[str, Any], rate_limit: dict[str, Any] | None, timeout: float
) -> dict[str, Any]:
    _stop_mattermost(state)
    _write_config(state, rate_limit)
    _start_mattermost(state)
    try:
        _wait_ready(state, timeout)
    except BaseException:
        _teardown(state, keep_logs=True)
        raise
    _save_state(state)
    log(f"Mattermost restarted (rate limit: {rate_limit or 'off'})")
    return state


@contextlib.contextmanager
def rate_limited(per_sec: int = 1, max_burst: int = 2, **options: Any) -> Iterator[dict[str, Any]]:
    """Run the block against the main server restarted with rate limiting on; restore after.

    This disturbs every other user of the server (restarts, 429s); tests should rather use
    `rate_limited_server()`.
    """
    before = (load_state() or {}).get("rate_limit")
    state = restart(dict(options, per_sec=per_sec, max_burst=max_burst))
    try:
        yield state
    finally:
        restart(before)


@contextlib.contextmanager
def rate_limited_server(
    per_sec: int = 1,
    max_burst: int = 2,
    timeout: float = DEFAULT_READY_TIMEOUT,
    **options: Any,
) -> Iterator[dict[str, Any]]:
    """A second Mattermost process with rate limiting on, for the duration of the block.

    It serves the same database (same users, tokens, teams, channels) on its own port, with
    jobs off, so the main server and its other users are not disturbed.  Yields a copy of the
    state whose "url"/"port"/"mm_pid" are the second process's.  Not a cluster: WebSocket
    events of actions done through it reach only its own WebSocket clients.
    options: vary_by_remote_addr (default True), vary_by_user (False), vary_by_header ("").
    """
    rate_limit = dict(options, per_sec=per_sec, max_burst=max_burst)
    with _locked():
        state = load_state()
        if state is None or not _alive(state.get("mm_pid")):
            raise MMServerError("no running server (run `up` first)")
        run_dir = Path(state["run_dir"])
        port = _free_port()
        cfg = json.loads(Path(state["config_path"]).read_text())
        logs = run_dir / "logs" / f"ratelimited-{port}"
        logs.mkdir(parents=True, exist_ok=True)
        url = f"http://127.0.0.1:{port}"
        cfg.setdefault("ServiceSettings", {}).update(
            {"SiteURL": url, "ListenAddress": f"127.0.0.1:{port}"}
        )
        cfg.setdefault("JobSettings", {}).update({"RunJobs": False, "RunScheduler": False})
        cfg.setdefault("LogSettings", {})["FileLocation"] = str(logs)
        cfg.setdefault("NotificationLogSettings", {})["FileLocation"] = str(logs)
        cfg["RateLimitSettings"] = _rate_limit_settings(rate_limit)
        cfg_path = run_dir / f"config-ratelimited-{port}.json"
        fd = os.open(cfg_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(cfg, f, indent=2)
        out_log = logs / "mattermost.out"
        pid = _spawn_mattermost(state, str(cfg_path), out_log)
        state.setdefault("sidecar_pids", []).append(pid)
        _save_state(state)
    side = dict(state, url=url, port=port, mm_pid=pid, rate_limit=rate_limit, out_log=str(out_log))
    try:
        _wait_ready(side, timeout)
        yield side
    finally:
        with _locked():
            _stop_pid(pid, signal.SIGTERM, state["binary"], MM_STOP_GRACE, "", True)
            current = load_state()
            if current is not None and pid in (current.get("sidecar_pids") or []):
                current["sidecar_pids"].remove(pid)
                _save_state(current)
            with contextlib.suppress(OSError):
                cfg_path.unlink()


# --------------------------------------------------------------------------------------------
# command line


def _parse_rate_limit(text: str) -> dict[str, Any]:
    m = re.fullmatch(r"(\d+)(?::(\d+))?", text.strip())
    if not m or int(m.group(1)) < 1:
        raise argparse.ArgumentTypeError("expected PERSEC[:BURST], e.g. 2:5")
    return {"per_sec": int(m.group(1)), "max_burst": int(m.group(2) or 0) or 1}


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"not a TCP port: {text}")
    return port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mmserver.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_up = sub.add_parser("up", help="build if needed, start PostgreSQL + Mattermost, bootstrap")
    p_up.add_argument("--port", type=_port, help="Mattermost port on 127.0.0.1 (default: free)")
    p_up.add_argument(
        "--rate-limit",
        type=_parse_rate_limit,
        metavar="PERSEC[:BURST]",
        help="start with RateLimitSettings enabled",
    )
    p_up.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_READY_TIMEOUT,
        help="seconds to wait for /api/v4/system/ping (default %(default)s)",
    )
    sub.add_parser("down", help="stop everything `up` started")
    p_st = sub.add_parser("status", help="print whether the server runs and its URL")
    p_st.add_argument("--json", action="store_true", help="print server.json (has secrets)")
    p_re = sub.add_parser("restart", help="restart Mattermost, rate limiting on or off")
    g = p_re.add_mutually_exclusive_group()
    g.add_argument("--rate-limit", type=_parse_rate_limit, metavar="PERSEC[:BURST]")
    g.add_argument("--no-rate-limit", action="store_true")
    p_re.add_argument(
        "--vary-by-user",
        action="store_true",
        help="key the rate limit by token instead of remote address",
    )
    p_b = sub.add_parser("build", help="only build (or reuse) the server binary")
    p_b.add_argument("--force", action="store_true", help="rebuild even if the stamp matches")
    args = parser.parse_args(argv)

    def on_signal(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    try:
        if args.cmd == "up":
            t0 = time.monotonic()
            state, started = up(args.port, args.rate_limit, args.timeout)
            if started:
                log(f"up in {time.monotonic() - t0:.1f} s; state in {STATE_FILE}")
            print(f"Mattermost {state.get('server_version')} running at {state['url']}")
        elif args.cmd == "down":
            print("stopped" if down() else "not running")
        elif args.cmd == "status":
            running = status()
            if running is None:
                print("not running")
                return 3
            if args.json:
                print(json.dumps(running, indent=2, sort_keys=True))
            else:
                print(
                    f"running at {running['url']} (Mattermost {running.get('server_version')}, "
                    f"pid {running.get('mm_pid')}, rate limit {running.get('rate_limit')})"
                )
        elif args.cmd == "restart":
            rl = args.rate_limit
            if rl is not None and args.vary_by_user:
                rl["vary_by_user"] = True
            state = restart(None if args.no_rate_limit else rl)
            print(f"restarted at {state['url']} (rate limit {state.get('rate_limit')})")
        elif args.cmd == "build":
            stamp = build(force=args.force)
            print(json.dumps(stamp, indent=2))
    except MMServerError as exc:
        print(f"mmserver: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("mmserver: interrupted; stopped what was started", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

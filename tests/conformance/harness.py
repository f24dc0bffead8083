"""Conformance sweep: every operation of the bundled spec against a real Mattermost server.

Each operation (operationId of generated/openapi.json) is either

* *exercised*: an exercise function (registered with :func:`exercise` in an ``ex_*.py``
  module) calls it through the generated client with fixture data it creates, and
  :func:`check` proves the answer against the spec: a 2xx status the spec documents, and a
  body that (a) has the declared JSON types (recursively; ``null`` only where nullable),
  (b) declares every field it holds (a field a closed model lacks would land untyped in
  ``additional_properties``: a failure named by its JSON path) and (c) parses into the
  generated model with nothing lost; binary answers are checked for the declared content
  type and bytes; an answer without data (``[]``, ``{}``, ``null``) fails as vacuous unless
  spec/conformance.yaml lists it under ``vacuous:`` with the reason;
* or *excluded* in spec/conformance.yaml with a category and a one-line reason, and proven:
  :func:`prove_exclusion` calls it and checks the answer against the category.

There is no third state.  Used by tests/conformance/test_conformance.py and
scripts/conformance.py.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as _dt
import email
import email.message
import fnmatch
import functools
import http.server
import importlib
import inspect
import itertools
import json
import os
import pkgutil
import re
import socketserver
import threading
import time
import types
import typing
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[2]
# MM_GENERATED_DIR: sweep another generated tree (e.g. from the server-matched bundle; issue 11)
GENERATED = Path(os.environ.get("MM_GENERATED_DIR") or ROOT / "generated").resolve()
SPEC_PATH = GENERATED / "openapi.json"
CONFORMANCE_PATH = ROOT / "spec" / "conformance.yaml"
OVERRIDES_PATH = ROOT / "spec" / "overrides.yaml"
API_DIR = GENERATED / "mattermost_api" / "api"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
CATEGORIES = {
    "enterprise": "needs an Enterprise/Professional licence (Team Edition answers 501/403)",
    "cloud": "Mattermost Cloud only (CWS)",
    "external-service": "needs an outside service (LDAP, SAML IdP, Elasticsearch, S3, SMTP, ...)",
    "destructive": "would break or reset the shared test server",
    "plugins-disabled": "needs plugins or a plugin's backend (AI, marketplace)",
    "interactive": "needs a live counterpart: a browser flow, a token mailed out, an integration",
    "feature-disabled": "behind a feature flag or setting off on a stock server",
    "not-served": "documented, but the pinned server registers no such route (404)",
    "no-data": "reads objects only a licensed server can create: Team Edition answers 404",
}

# --------------------------------------------------------------------------- the spec


@dataclasses.dataclass(frozen=True)
class Operation:
    op_id: str
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def tag(self) -> str:
        return (self.spec.get("tags") or ["?"])[0]


@functools.cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text())


@functools.cache
def operations() -> dict[str, Operation]:
    ops: dict[str, Operation] = {}
    for path, item in spec()["paths"].items():
        for method, op in item.items():
            if method in METHODS and isinstance(op, dict):
                ops[op["operationId"]] = Operation(op["operationId"], method, path, op)
    return ops


def operation_for(method: str, path: str) -> str | None:
    op = spec()["paths"].get(path, {}).get(method)
    return op.get("operationId") if isinstance(op, dict) else None


def deref(node: Any) -> Any:
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        node = spec()
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        seen += 1
        assert seen < 50, ref
    return node


@functools.cache
def exclusions() -> dict[str, tuple[str, str]]:
    """operationId -> (category, reason) from spec/conformance.yaml."""
    raw = yaml.safe_load(CONFORMANCE_PATH.read_text()) or {}
    out: dict[str, tuple[str, str]] = {}
    for op_id, entry in (raw.get("exclusions") or {}).items():
        out[op_id] = (str(entry["category"]), str(entry["reason"]))
    by_place = _default_tree_ids() if GENERATED != ROOT / "generated" else {}
    for op in operations().values():  # another tree: same method and path, same exclusion
        pinned_id = by_place.get((op.method, _shape(op.path)))
        if op.op_id not in out and pinned_id in out:
            out[op.op_id] = out[pinned_id]
    for op in operations().values():  # a bundle's plugin operations (issue 11): untested here
        if op.path.startswith("/plugins/") and op.op_id not in out:
            out[op.op_id] = ("plugins-disabled", "a plugin's operation; plugin not installed")
    return out


def _shape(path: str) -> str:
    return re.sub(r"{[^}]*}", "{}", path)


def _default_tree_ids() -> dict[tuple[str, str], str]:
    """(method, path shape) -> operationId in generated/openapi.json (for MM_GENERATED_DIR)."""
    default = ROOT / "generated" / "openapi.json"
    if not default.is_file():
        return {}
    found = {}
    for path, item in json.loads(default.read_text())["paths"].items():
        for method, op in item.items():
            if method in METHODS and isinstance(op, dict) and op.get("operationId"):
                found[(method, _shape(path))] = str(op["operationId"])
    return found


# --------------------------------------------------------------------------- generated client


@functools.cache
def _module_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for tag_dir in sorted(API_DIR.iterdir()):
        if not tag_dir.is_dir() or tag_dir.name.startswith("_"):
            continue
        for file in sorted(tag_dir.glob("*.py")):
            if file.stem == "__init__":
                continue
            key = file.stem.replace("_", "").lower()
            index.setdefault(key, f"mattermost_api.api.{tag_dir.name}.{file.stem}")
    return index


def module_for(op_id: str) -> types.ModuleType:
    key = "".join(ch for ch in op_id if ch.isalnum()).lower()
    return importlib.import_module(_module_index()[key])


def _body_type(module: types.ModuleType) -> Any:
    annotation = inspect.signature(module.sync_detailed).parameters["body"].annotation
    candidates = typing.get_args(annotation) if typing.get_args(annotation) else (annotation,)
    if typing.get_origin(annotation) is list:
        return annotation
    for cand in candidates:
        if hasattr(cand, "from_dict") or typing.get_origin(cand) is list:
            return cand
    return None


def coerce_body(module: types.ModuleType, body: Any) -> Any:
    target = _body_type(module)
    if target is None:
        return body
    if typing.get_origin(target) is list:
        (item,) = typing.get_args(target)
        if hasattr(item, "from_dict"):
            return [item.from_dict(b) if isinstance(b, dict) else b for b in body]
        return body
    if isinstance(body, dict):
        from mattermost_api.types import File

        if any(isinstance(v, File) for v in body.values()):
            return target(**body)
        return target.from_dict(body)
    return body


class RetryOn429(httpx.HTTPTransport):
    """Waits out rate limiting (another test may have the server restarted with it on)."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        deadline = time.monotonic() + 90
        while True:
            try:
                response = super().handle_request(request)
            except httpx.ConnectError:
                # the shared server may be restarting (rate-limit tests): wait for it
                if time.monotonic() > deadline:
                    raise
                time.sleep(1.0)
                continue
            if response.status_code != 429 or time.monotonic() > deadline:
                return response
            response.read()
            response.close()
            try:
                wait = float(response.headers.get("X-Ratelimit-Reset", "1") or 1)
            except ValueError:
                wait = 1.0
            time.sleep(min(max(wait, 0.2), 2.0))


# --------------------------------------------------------------------------- registry

Exercise = Callable[["Ctx"], Any]
REGISTRY: dict[str, Exercise] = {}


def exercise(*op_ids: str) -> Callable[[Exercise], Exercise]:
    """Registers an exercise for operation(s); it returns the `Response` of that operation."""

    def register(fn: Exercise) -> Exercise:
        for op_id in op_ids:
            if op_id in REGISTRY:
                raise RuntimeError(f"{op_id} registered twice")
            REGISTRY[op_id] = fn
        return fn

    return register


@functools.cache
def load_exercises() -> dict[str, Exercise]:
    package = importlib.import_module(__package__ or "tests.conformance")
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("ex_"):
            importlib.import_module(f"{package.__name__}.{info.name}")
    return REGISTRY


# --------------------------------------------------------------------------- fixtures


@dataclasses.dataclass
class ServerInfo:
    url: str
    admin_token: str
    user_token: str
    admin_id: str
    user_id: str
    team_id: str
    channel_id: str
    admin_username: str = ""
    user_username: str = ""
    admin_password: str = ""
    user_password: str = ""
    team_name: str = ""

    @classmethod
    def from_obj(cls, obj: Any) -> ServerInfo:
        names = [f.name for f in dataclasses.fields(cls)]
        if isinstance(obj, dict):
            return cls(**{n: str(obj.get(n) or "") for n in names})
        return cls(**{n: str(getattr(obj, n, "") or "") for n in names})


class SetupError(AssertionError):
    pass


def _png(width: int = 2, height: int = 2) -> bytes:
    """A small valid RGB PNG (the server decodes profile images, icons and emoji)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


PNG_1PX = _png()


def png_file(name: str = "image.png") -> Any:
    """A generated-client `File` holding a PNG (multipart bodies need a file name)."""
    from io import BytesIO

    from mattermost_api.types import File

    return File(payload=BytesIO(PNG_1PX), file_name=name, mime_type="image/png")


# --------------------------------------------------------------------------- local stubs


class _StubHandler(http.server.BaseHTTPRequestHandler):
    server: IntegrationStub

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.server.requests.append((self.command, self.path, raw))
        status, ctype, body = self.server.route(self.command, self.path)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = _answer


class IntegrationStub(http.server.ThreadingHTTPServer):
    """A local integration server on 127.0.0.1 (the server may call 127.0.0.1).

    Answers what Mattermost expects of an integration: post actions and dialog submissions
    ({}), dialog lookups (items), a PNG for any *.png path, an S3 bucket (HEAD answers 200).
    Every request is kept in `requests` as (method, path, body).
    """

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _StubHandler)
        self.requests: list[tuple[str, str, bytes]] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def route(self, method: str, path: str) -> tuple[int, str, bytes]:
        path = path.split("?")[0]
        if path.endswith(".png"):
            return 200, "image/png", PNG_1PX
        if path.startswith("/dialog-errors"):
            return 200, "application/json", b'{"errors": {"name": "taken"}}'
        if path.startswith("/lookup"):
            items = [{"text": "Option A", "value": "a"}]
            return 200, "application/json", json.dumps({"items": items}).encode()
        return 200, "application/json", b"{}"

    def received(self, prefix: str, timeout: float = 10.0) -> tuple[str, str, bytes]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for request in self.requests:
                if request[1].startswith(prefix):
                    return request
            time.sleep(0.05)
        raise SetupError(f"the integration stub received no request for {prefix}")


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for Mattermost's mail client; keeps each message."""

    server: SmtpStub

    def _say(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self._say("220 conformance ESMTP")
        rcpt: list[str] = []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.decode("utf-8", "replace").strip().split(" ")[0].upper()
            if verb in ("EHLO", "HELO"):
                self._say("250-conformance")
                self._say("250 8BITMIME")
            elif verb == "RCPT":
                rcpt.append(line.decode("utf-8", "replace").split(":", 1)[1].strip(" <>\r\n"))
                self._say("250 OK")
            elif verb == "DATA":
                self._say("354 go ahead")
                data = bytearray()
                while True:
                    chunk = self.rfile.readline()
                    if not chunk or chunk in (b".\r\n", b".\n"):
                        break
                    data += chunk[1:] if chunk.startswith(b"..") else chunk
                self.server.messages.append((list(rcpt), email.message_from_bytes(bytes(data))))
                rcpt.clear()
                self._say("250 OK queued")
            elif verb == "QUIT":
                self._say("221 bye")
                return
            elif verb in ("MAIL", "RSET", "NOOP"):
                self._say("250 OK")
            else:
                self._say("502 not implemented")


class SmtpStub(socketserver.ThreadingTCPServer):
    """A local SMTP server on 127.0.0.1 keeping (recipients, message) of every mail."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.messages: list[tuple[list[str], email.message.Message]] = []
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def mail_to(self, address: str, timeout: float = 15.0) -> str:
        """The text of the first mail to `address` (all parts, decoded)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for rcpt, message in self.messages:
                if address in rcpt:
                    parts = message.walk() if message.is_multipart() else [message]
                    return "\n".join(
                        str(part.get_payload(decode=True).decode("utf-8", "replace"))
                        for part in parts if not part.is_multipart()
                    )
            time.sleep(0.1)
        raise SetupError(f"no mail to {address} reached the SMTP stub")


class Ctx:
    """Clients plus lazily created fixture objects shared by the exercises of one run.

    Shared objects (``c.team``, ``c.channel``, ``c.post``, ...) are only read or changed in
    ways that keep them usable; exercises that delete or restrict create their own object
    with the ``new_*`` helpers.
    """

    def __init__(self, server: ServerInfo) -> None:
        self.s = server
        self.url = server.url.rstrip("/")
        self._counter = itertools.count(1)
        self.run_id = uuid.uuid4().hex[:8]
        self._cache: dict[str, Any] = {}
        self.last_response: httpx.Response | None = None
        self._extra: list[Any] = []
        self.created_users: list[str] = []
        self.admin = self.client_for(server.admin_token)
        self.user = self.client_for(server.user_token)

    def close(self) -> None:
        # Team Edition caps active users (200 safe / 250 hard): deactivate this run's users.
        for user_id in self.created_users:
            with contextlib.suppress(httpx.HTTPError):
                self.admin.get_httpx_client().delete(f"/api/v4/users/{user_id}", timeout=10)
        self.created_users.clear()
        for stub in ("stub", "smtp"):
            if stub in self._cache:
                server = self._cache.pop(stub)
                server.shutdown()
                server.server_close()
        for client in self._extra:
            client.__exit__(None, None, None)
        self._extra.clear()

    def _remember(self, response: httpx.Response) -> None:
        self.last_response = response

    def client_for(self, token: str) -> Any:
        from mattermost_api import AuthenticatedClient

        client = AuthenticatedClient(
            base_url=self.url, token=token, timeout=httpx.Timeout(60.0),
            httpx_args={"transport": RetryOn429(),
                        "event_hooks": {"response": [self._remember]}},
        )
        client.__enter__()
        self._extra.append(client)
        return client

    # ----------------------------------------------------------------- calls
    def call(self, op_id: str, *, client: Any = None, body: Any = None, **params: Any) -> Any:
        """The generated `sync_detailed` of op_id (admin by default); dict bodies are typed."""
        module = module_for(op_id)
        if body is not None:
            params["body"] = coerce_body(module, body)
        return module.sync_detailed(client=client or self.admin, **params)

    def as_user(self, op_id: str, *, body: Any = None, **params: Any) -> Any:
        return self.call(op_id, client=self.user, body=body, **params)

    def http(
        self, method: str, path: str, json_body: Any = None, *, client: Any = None,
        files: Any = None, data: Any = None, params: Any = None, ok: tuple[int, ...] = (),
    ) -> Any:
        """Raw request for set-up (not the thing under test); answers the decoded JSON."""
        httpx_client = (client or self.admin).get_httpx_client()
        response = httpx_client.request(
            method, "/api/v4" + path, json=json_body, files=files, data=data, params=params
        )
        if not (200 <= response.status_code < 300 or response.status_code in ok):
            raise SetupError(
                f"set-up {method} {path} answered {response.status_code}: {response.text[:300]}"
            )
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return response.content

    @contextlib.contextmanager
    def config_patched(self, patch: dict[str, dict[str, Any]]) -> Iterator[None]:
        """Server config sections changed for the block, then put back as they were."""
        current = self.http("GET", "/config")
        before = {section: {key: current[section][key] for key in values}
                  for section, values in patch.items()}
        self.http("PUT", "/config/patch", patch)
        try:
            yield
        finally:
            self.http("PUT", "/config/patch", before)

    @property
    def stub(self) -> IntegrationStub:
        """The local integration stub of this run (started on first use)."""
        return self.cached("stub", IntegrationStub)

    @property
    def smtp(self) -> SmtpStub:
        """The local SMTP stub of this run (started on first use)."""
        return self.cached("smtp", SmtpStub)

    def uid(self, prefix: str = "c") -> str:
        return f"{prefix}{self.run_id}{next(self._counter)}"

    def cached(self, key: str, make: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    # ----------------------------------------------------------------- object factories
    def new_user(self, **extra: Any) -> dict[str, Any]:
        name = self.uid("u")
        body = {"username": name, "email": f"{name}@example.com", "password": "Passw0rd!x" + name,
                "first_name": "Conf", "last_name": "User"}
        body.update(extra)
        user = self.http("POST", "/users", body)
        self.created_users.append(user["id"])
        user["password"] = body["password"]
        return user

    def new_team(self, *, members: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
        name = self.uid("t")
        team = self.http("POST", "/teams", {"name": name, "display_name": "Conf " + name,
                                            "type": "O", **extra})
        for uid in members:
            self.http("POST", f"/teams/{team['id']}/members", {"team_id": team["id"],
                                                              "user_id": uid})
        return team

    def new_channel(self, team_id: str | None = None, *, kind: str = "O",
                    members: tuple[str, ...] = ()) -> dict[str, Any]:
        name = self.uid("ch")
        channel = self.http("POST", "/channels", {"team_id": team_id or self.team["id"],
                                                  "name": name, "display_name": "Conf " + name,
                                                  "type": kind})
        for uid in members:
            self.http("POST", f"/channels/{channel['id']}/members", {"user_id": uid})
        return channel

    def new_post(self, channel_id: str | None = None, message: str = "", *,
                 client: Any = None, **extra: Any) -> dict[str, Any]:
        body = {"channel_id": channel_id or self.channel["id"],
                "message": message or f"conformance post {self.uid('p')}", **extra}
        return self.http("POST", "/posts", body, client=client)

    def upload_file(self, channel_id: str | None = None, name: str = "hello.png",
                    content: bytes = PNG_1PX, client: Any = None) -> dict[str, Any]:
        answer = self.http(
            "POST", "/files", client=client,
            files={"files": (name, content, "image/png" if name.endswith(".png")
                             else "text/plain")},
            data={"channel_id": channel_id or self.channel["id"]},
        )
        return answer["file_infos"][0]

    def new_user_client(self, user: dict[str, Any]) -> Any:
        token = self.http("POST", f"/users/{user['id']}/tokens", {"description": "conformance"})
        return self.client_for(token["token"])

    # ----------------------------------------------------------------- shared objects
    @property
    def team(self) -> dict[str, Any]:
        """A team of this run: admin (creator) and the regular user are members."""
        return self.cached("team", lambda: self.new_team(members=(self.s.user_id,)))

    @property
    def channel(self) -> dict[str, Any]:
        """A public channel in `team` with admin and user."""
        return self.cached("channel", lambda: self.new_channel(members=(self.s.user_id,)))

    @property
    def post(self) -> dict[str, Any]:
        """A post by the regular user in `channel`, with a reply and a reaction."""

        def make() -> dict[str, Any]:
            post = self.new_post(client=self.user, message="conformance root post hello")
            self.new_post(root_id=post["id"], message="conformance reply")
            self.http("POST", "/reactions", {"user_id": self.s.admin_id, "post_id": post["id"],
                                             "emoji_name": "smile"})
            return post

        return self.cached("post", make)

    @property
    def file(self) -> dict[str, Any]:
        """A PNG file attached to a post in `channel`."""

        def make() -> dict[str, Any]:
            info = self.upload_file()
            self.new_post(message="file post", file_ids=[info["id"]])
            return info

        return self.cached("file", make)

    @property
    def user2(self) -> dict[str, Any]:
        """A third user, member of `team` (for DMs and group channels)."""
        return self.cached("user2", lambda: self._team_user())

    def _team_user(self) -> dict[str, Any]:
        user = self.new_user()
        self.http("POST", f"/teams/{self.team['id']}/members",
                  {"team_id": self.team["id"], "user_id": user["id"]})
        return user


# --------------------------------------------------------------------------- checking


@dataclasses.dataclass
class Result:
    op_id: str
    state: str  # "pass", "fail", "excluded"
    status: int | None = None
    problems: list[str] = dataclasses.field(default_factory=list)
    category: str = ""
    reason: str = ""
    empty: str = ""  # "[]", "{}" or "null": a 2xx body with no data, so no item model checked
    proof: str = ""  # excluded: how the server's answer proved the category ("" = not proven)

    @property
    def untyped(self) -> list[str]:
        """JSON paths (array indexes and map keys blanked) that land in additional_properties."""
        return sorted({_blank(p.split(": ", 1)[0]) for p in self.problems if UNTYPED in p})

    @property
    def vacuous(self) -> bool:
        """A pass on no data that could have had data (not listed under `vacuous:`)."""
        return bool(self.empty) and self.op_id not in vacuous_allowed()


def _blank(path: str) -> str:
    return re.sub(r"\[\d+\]", "[]", path)


@functools.cache
def vacuous_allowed() -> dict[str, str]:
    """operationId -> why Team Edition cannot give it data (spec/conformance.yaml `vacuous:`)."""
    raw = yaml.safe_load(CONFORMANCE_PATH.read_text()) or {}
    return {str(k): str(v) for k, v in (raw.get("vacuous") or {}).items()}


def empty_answer(response: Any) -> str:
    """`[]`, `{}` or `null` when a 2xx JSON answer carries no data, else ""."""
    if not response.headers.get("content-type", "").startswith("application/json"):
        return ""
    try:
        raw = json.loads(response.content) if response.content.strip() else None
    except ValueError:
        return ""
    if raw in ([], {}, None):
        return json.dumps(raw)
    if isinstance(raw, dict) and [] in raw.values() and all(
        v in ([], {}, None, 0) for v in raw.values()
    ):
        return json.dumps(raw)[:80]  # only empty lists, e.g. {"users": [], "total_count": 0}
    return ""


def _media_matches(actual: str, declared: str) -> bool:
    """The answer's content type is the declared one (a declared `image/*` or `*/*` is a
    pattern; `application/octet-stream` is not a wildcard)."""
    actual = actual.split(";")[0].strip().lower()
    return fnmatch.fnmatch(actual, declared.lower())


def check(op: Operation, response: Any) -> list[str]:
    """Problems of one answer against the spec (empty: conforms)."""
    problems: list[str] = []
    status = int(response.status_code)
    responses = op.spec.get("responses", {})
    if not 200 <= status < 300:
        text = response.content[:300].decode("utf-8", "replace")
        return [f"answered {status} (not 2xx): {text}"]
    declared = responses.get(str(status)) or responses.get("2XX")
    if declared is None:
        documented = sorted(k for k in responses if k.startswith("2"))
        return [f"status {status} not documented (documented 2xx: {documented or 'none'})"]
    declared = deref(declared)
    content = declared.get("content") or {}
    body = response.content
    ctype = response.headers.get("content-type", "")
    if not content:
        if body.strip() and ctype.startswith("application/json"):
            problems.append(f"spec declares no body for {status}, server sent JSON: "
                            f"{body[:120].decode('utf-8', 'replace')}")
        elif body.strip():
            problems.append(f"spec declares no body for {status}, server sent {ctype or '?'}")
        return problems
    json_schema = None
    for media, media_obj in content.items():
        if "json" in media:
            json_schema = (media_obj or {}).get("schema")
            break
    else:
        if not any(_media_matches(ctype, media) for media in content):
            problems.append(f"content type {ctype!r} not among declared {sorted(content)}")
        if not body:
            problems.append("empty body where content is declared")
        return problems
    if not ctype.startswith("application/json"):
        problems.append(f"spec declares JSON, server sent {ctype!r}")
        return problems
    try:
        raw = json.loads(body)
    except ValueError as exc:
        return [f"body is not JSON: {exc}"]
    if json_schema is None:
        return problems
    problems.extend(validate(raw, json_schema, "$"))
    parsed = response.parsed
    if parsed is None and raw is not None:
        problems.append("generated client did not parse the body (parsed is None)")
        return problems
    problems.extend(lost(raw, dump(parsed), "$"))
    return problems


def dump(value: Any) -> Any:
    from mattermost_api.types import Unset

    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list):
        return [dump(v) for v in value]
    if isinstance(value, dict):
        return {k: dump(v) for k, v in value.items() if not isinstance(v, Unset)}
    if isinstance(value, _dt.datetime | _dt.date):
        return value.isoformat()
    return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def lost(raw: Any, parsed: Any, where: str) -> list[str]:
    """What of `raw` (the server's JSON) is missing or changed in `parsed` (to_dict())."""
    if isinstance(raw, dict):
        if not isinstance(parsed, dict):
            return [f"{where}: object parsed as {_kind(parsed)}"]
        out = []
        for key, value in raw.items():
            if key not in parsed:
                out.append(f"{where}.{key}: dropped by the generated model")
            else:
                out.extend(lost(value, parsed[key], f"{where}.{key}"))
        return out
    if isinstance(raw, list):
        if not isinstance(parsed, list) or len(parsed) != len(raw):
            return [f"{where}: array parsed as {_kind(parsed)}"]
        out = []
        for i, (r, p) in enumerate(zip(raw, parsed, strict=True)):
            out.extend(lost(r, p, f"{where}[{i}]"))
            if len(out) > 5:
                break
        return out
    rk, pk = _kind(raw), _kind(parsed)
    numeric = {"integer", "number"}
    if rk in numeric and pk in numeric:
        return [] if float(raw) == float(parsed) else [f"{where}: {raw!r} became {parsed!r}"]
    if rk != pk:
        return [f"{where}: {rk} {raw!r:.60} became {pk} {parsed!r:.60}"]
    if raw != parsed and not _same_datetime(raw, parsed):
        return [f"{where}: {raw!r:.60} became {parsed!r:.60}"]
    return []


def _same_datetime(a: Any, b: Any) -> bool:
    try:
        return _dt.datetime.fromisoformat(a) == _dt.datetime.fromisoformat(b)
    except (TypeError, ValueError):
        return False


def _merged(schema: dict[str, Any]) -> dict[str, Any]:
    """allOf folded into one schema (properties/required/nullable/type)."""
    schema = deref(schema)
    if "allOf" not in schema:
        return schema
    out: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    props: dict[str, Any] = dict(out.get("properties") or {})
    for part in schema["allOf"]:
        part = _merged(part)
        props.update(part.get("properties") or {})
        for key in ("type", "items", "additionalProperties", "oneOf", "anyOf", "format"):
            if key in part and key not in out:
                out[key] = part[key]
        if part.get("nullable"):
            out["nullable"] = True
    if props:
        out["properties"] = props
    return out


def _ref_name(schema: Any) -> str:
    ref = schema.get("$ref", "") if isinstance(schema, dict) else ""
    return ref.rsplit("/", 1)[-1] if ref.startswith("#/components/schemas/") else ""


def validate(value: Any, schema: Any, where: str) -> list[str]:
    """JSON types of `value` against `schema` (types, nullability, items, properties), and
    fields a closed model does not declare (they would land untyped in additional_properties)."""
    name = _ref_name(schema)
    schema = _merged(schema or {})
    if value is None:
        alternatives = schema.get("oneOf") or schema.get("anyOf") or []
        if (
            schema.get("nullable")
            or not (schema.get("type") or schema.get("properties") or alternatives)
            or any(_merged(s).get("nullable") for s in alternatives)
        ):
            return []
        return [f"{where}: null, schema not nullable"]
    for key in ("oneOf", "anyOf"):
        if key in schema:
            results = [validate(value, sub, where) for sub in schema[key]]
            if any(not r for r in results):
                return []
            return [f"{where}: matches none of {key}: {results[0][:1]}"]
    kind = _kind(value)
    declared = schema.get("type")
    if declared is None and "properties" in schema:
        declared = "object"
    if declared is None:
        return []
    ok = kind == declared or (declared == "number" and kind == "integer") or (
        declared == "integer" and kind == "number" and float(value).is_integer()
    )
    if not ok:
        return [f"{where}: {kind} {value!r:.60}, schema says {declared}"]
    out: list[str] = []
    if kind == "array" and "items" in schema:
        for i, item in enumerate(value):
            out.extend(validate(item, schema["items"], f"{where}[{i}]"))
            if len(out) > 5:
                break
    elif kind == "object":
        props = schema.get("properties") or {}
        extra = schema.get("additionalProperties")
        for key, item in value.items():
            if key in props:
                out.extend(validate(item, props[key], f"{where}.{key}"))
            elif isinstance(extra, dict) and extra:
                out.extend(validate(item, extra, f"{where}.{key}"))
            elif props and extra is None:
                model = f" of {name}" if name else ""
                out.append(f"{where}.{key}: {UNTYPED}{model} ({_kind(item)} {item!r:.40})")
    return out


# A field the model does not declare lands in `additional_properties`, untyped: a failure on
# a model with properties that is not declared open (additionalProperties absent).
UNTYPED = "untyped field (lands in additional_properties)"


# --------------------------------------------------------------------------- running


def run_operation(ctx: Ctx, op_id: str) -> Result:
    op = operations()[op_id]
    registry = load_exercises()
    excluded = exclusions().get(op_id)
    fn = registry.get(op_id)
    if fn is not None and excluded is not None:
        return Result(op_id, "fail", problems=[
            f"both exercised and excluded ({excluded[0]}): drop the exclusion"])
    if excluded is not None:
        result = Result(op_id, "excluded", category=excluded[0], reason=excluded[1])
        try:
            result.proof = prove_exclusion(ctx, op_id)
        except Exception as exc:  # an AssertionError (wrong reason) or the call broke
            result.problems.append(f"exclusion not proven: {type(exc).__name__}: {exc}"[:400])
        return result
    if fn is None:
        return Result(op_id, "fail", problems=["neither exercised nor excluded"])
    ctx.last_response = None
    try:
        response = fn(ctx)
    except Exception as exc:  # the exercise (or the generated client's parsing) broke
        problem = f"{type(exc).__name__}: {exc}"[:300]
        last = ctx.last_response
        if last is not None and last.is_stream_consumed:
            problem += f" [last answer {last.status_code} {last.request.url.path}: "
            problem += last.content[:200].decode("utf-8", "replace") + "]"
        problems = [problem]
        if last is not None and last.is_stream_consumed and 200 <= last.status_code < 300:
            problems.extend(_explain(op, last))
        return Result(op_id, "fail", status=last.status_code if last else None,
                      problems=problems)
    if response is None or not hasattr(response, "status_code"):
        return Result(op_id, "fail", problems=["exercise returned no Response"])
    try:
        problems = check(op, response)
    except Exception as exc:  # a lazily parsed model broke on the answer: a failure, not a crash
        problems = [f"{type(exc).__name__} reading the parsed answer: {exc}"[:300]]
    empty = empty_answer(response)
    allowed = vacuous_allowed().get(op_id)
    if empty and allowed is None and not problems:
        problems.append(f"vacuous: answered {empty}, so no item was checked; give the exercise "
                        "data, or list the operation under `vacuous:` in spec/conformance.yaml "
                        "with the reason Team Edition cannot have any")
    elif allowed is not None and not empty and not problems:
        problems.append("listed under `vacuous:` but answered data: drop it from the list")
    return Result(op_id, "fail" if problems else "pass", int(response.status_code), problems,
                  empty=empty)


def _explain(op: Operation, response: httpx.Response) -> list[str]:
    """Where the body disagrees with the declared schema (why parsing raised)."""
    declared = op.spec.get("responses", {}).get(str(response.status_code))
    if declared is None:
        return []
    for media, media_obj in (deref(declared).get("content") or {}).items():
        if "json" in media and (media_obj or {}).get("schema"):
            try:
                return validate(json.loads(response.content), media_obj["schema"], "$")
            except ValueError:
                return []
    return []


def run_all(ctx: Ctx, op_ids: list[str] | None = None) -> Iterator[Result]:
    for op_id in op_ids or sorted(operations()):
        yield run_operation(ctx, op_id)


# --------------------------------------------------------------------------- overrides report


def override_patches() -> list[dict[str, Any]]:
    raw = yaml.safe_load(OVERRIDES_PATH.read_text()) or {}
    return list(raw.get("patches") or [])


def patch_targets(patch: dict[str, Any]) -> list[str]:
    """Operations (or `schema X`) a patch touches."""
    targets: list[str] = []
    for op in patch.get("ops") or []:
        for pointer in (op.get("path", ""), op.get("from", "")):
            parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
            if len(parts) >= 3 and parts[0] == "paths":
                name = operation_for(parts[2], parts[1]) or f"{parts[2].upper()} {parts[1]}"
            elif len(parts) >= 3 and parts[:2] == ["components", "schemas"]:
                name = f"schema {parts[2]}"
            else:
                continue
            if name not in targets:
                targets.append(name)
    return targets


# --------------------------------------------------------------------------- exclusions proven

DUMMY_ID = "a" * 26  # a well-formed id that names nothing
# What an excluded operation answers on the local Team Edition server, by category: status
# codes and a regular expression the error id (or, with `text`, the body) must match. An
# exclusion may set its own `expect` (and a `probe` body/query that gets past validation).
EXPECT: dict[str, dict[str, Any]] = {
    "enterprise": {"status": [400, 403, 501],
                   "id": r"licen[cs]e|not_available|not_enabled|no_license|feature_unavailable"
                         r"|upgrade_needed|^ent\.|^app\.pap\.|configuration_disabled"},
    "cloud": {"status": [400, 403, 501], "id": r"cws|cloud|licen[cs]e"},
    "not-served": {"status": [404, 405], "id": r"^api\.context\.404\.app_error$"},
    "plugins-disabled": {"status": [404, 501], "id": r"plugin"},
}


def _probe_params(ctx: Ctx) -> dict[str, str]:
    """Values for path parameters: the run's real objects where they exist, else a dummy id."""
    return {"team_id": ctx.team["id"], "channel_id": ctx.channel["id"], "user_id": ctx.s.admin_id,
            "post_id": ctx.post["id"]}


def probe(ctx: Ctx, op: Operation, how: dict[str, Any] | None = None) -> httpx.Response:
    """Call an excluded operation as the admin: path parameters filled, the exclusion's
    `probe` body and query (an empty JSON body by default for POST/PUT/PATCH)."""
    how = how or {}
    known = _probe_params(ctx)
    path = re.sub(r"{(\w+)}", lambda m: known.get(m.group(1), DUMMY_ID), op.path)
    body = how.get("body", {} if op.method in ("post", "put", "patch") else None)
    if body == "$config":  # the server's current configuration
        body = ctx.http("GET", "/config")
    body = _filled(body, {**known, "dummy_id": DUMMY_ID})
    client = ctx.admin.get_httpx_client()
    if how.get("multipart"):
        files = {name: ("probe.bin", b"not what it needs", "application/octet-stream")
                 for name in how["multipart"]}
        return client.request(op.method.upper(), path, files=files, params=how.get("query"),
                              timeout=30)
    return client.request(op.method.upper(), path, json=body, params=how.get("query"),
                          timeout=30)


def _filled(value: Any, known: dict[str, str]) -> Any:
    """`{channel_id}` etc. in a probe body's strings replaced by the run's values."""
    if isinstance(value, str):
        return re.sub(r"{(\w+)}", lambda m: known.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [_filled(v, known) for v in value]
    if isinstance(value, dict):
        return {k: _filled(v, known) for k, v in value.items()}
    return value


@functools.cache
def _exclusion_entries() -> dict[str, dict[str, Any]]:
    raw = yaml.safe_load(CONFORMANCE_PATH.read_text()) or {}
    return {str(k): dict(v) for k, v in (raw.get("exclusions") or {}).items()}


# A fresh server answers scheme reads with this 501 until its permissions migration job has
# run (about a minute after the first start): a start-up state, not the operation's answer.
MIGRATION_PENDING = "app.schemes.is_phase_2_migration_completed.not_completed.app_error"


def until_migrated(send: Callable[[], httpx.Response], wait: float = 180.0) -> httpx.Response:
    """``send()`` again while the server answers that its permissions migration is pending."""
    deadline = time.monotonic() + wait
    while True:
        response = send()
        pending = response.status_code == 501 and MIGRATION_PENDING in response.text
        if not pending or time.monotonic() > deadline:
            return response
        time.sleep(2)


def prove_exclusion(ctx: Ctx, op_id: str) -> str:
    """How the server's answer proves the exclusion's category ("" with a problem raised
    as AssertionError when it does not). Destructive operations are not called."""
    category, reason = exclusions()[op_id]
    entry = _exclusion_entries().get(op_id, {})
    if category == "destructive":
        return f"not called (destructive): {reason}"
    expect = entry.get("expect") or EXPECT.get(category)
    if expect is None:
        raise AssertionError(f"{op_id}: category {category} needs an `expect` in "
                             "spec/conformance.yaml (status and id of the answer)")
    response = until_migrated(lambda: probe(ctx, operations()[op_id], entry.get("probe")))
    try:
        error_id = str(response.json().get("id", ""))
    except (ValueError, AttributeError):
        error_id = ""
    text = response.text[:300]
    got = f"{response.status_code} {error_id or text[:80]!r}"
    if response.status_code not in expect["status"]:
        raise AssertionError(f"{op_id} ({category}): answered {got}, expected status "
                             f"{expect['status']}: the exclusion's reason is wrong")
    if "id" in expect and not re.search(expect["id"], error_id):
        raise AssertionError(f"{op_id} ({category}): answered {got}, error id does not match "
                             f"{expect['id']!r}: the exclusion's reason is wrong")
    if "text" in expect and not re.search(expect["text"], text):
        raise AssertionError(f"{op_id} ({category}): answered {got}, body does not match "
                             f"{expect['text']!r}")
    return f"answered {got}"

"""Message attachments and interactive actions (buttons, menus), validated before sending.

Mattermost's message attachments follow Slack's format. Build them with keyword-only
constructors, then either call ``to_dict()`` on one object or :func:`post_body` to get
the body of ``POST /api/v4/posts`` as the generated ``CreatePostBody`` that
``mm.posts.create_post(body=...)`` takes::

    from mattermost_ext.attachments import Attachment, Button, Integration, post_body

    body = post_body(
        channel_id=channel_id,
        message="Deploy finished",
        attachments=[
            Attachment(
                color="good",
                title="build 42",
                actions=[
                    Button(
                        id="rollback",
                        name="Roll back",
                        style="danger",
                        integration=Integration(url="https://ci.example.com/hooks/mm"),
                    )
                ],
            )
        ],
    )

``to_dict()`` validates (raising :class:`BuilderError` with the field's path) and drops
empty values. The rules follow Mattermost's model validation (``SlackAttachment.IsValid``,
``PostAction.IsValid`` in server/public v0.1.20) and the action route; where Mattermost
only logs a warning ("in a future version this will result in an error") these builders
already refuse.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from mattermost_ext._validation import (
    ACTION_ID_RE,
    HEX_COLOR_RE,
    BuilderError,
    check_http_url,
    check_json_mapping,
    check_max_runes,
    check_required,
    compact,
    index,
    join,
    json_runes,
)

if TYPE_CHECKING:
    from mattermost_api.models.create_post_body import CreatePostBody

__all__ = [
    "MESSAGE_MAX_RUNES",
    "PROPS_MAX_RUNES",
    "Action",
    "ActionDataSource",
    "ActionOption",
    "ActionStyle",
    "Attachment",
    "AttachmentColor",
    "AttachmentField",
    "BuilderError",
    "Button",
    "Integration",
    "Menu",
    "attachments_to_list",
    "check_message",
    "check_props_size",
    "post_body",
]

# model.PostMessageMaxRunesV2 (post.go) = PostMessageMaxBytesV2 / 4 = 65535 / 4.
# The server's effective limit is its MaxPostSize, which is this value on every
# supported database schema.
MESSAGE_MAX_RUNES = 16383

# model.PostPropsMaxUserRunes (post.go) = PostPropsMaxRunes (800000) - 40000: the room
# Mattermost leaves for props an integration may set (JSON of all props, in runes).
PROPS_MAX_RUNES = 760000


class AttachmentColor(StrEnum):
    """Named attachment colours; any ``#rrggbb`` hex colour is accepted too."""

    GOOD = "good"
    WARNING = "warning"
    DANGER = "danger"


class ActionStyle(StrEnum):
    """Button/menu styles; any ``#rrggbb`` hex colour is accepted too."""

    DEFAULT = "default"
    PRIMARY = "primary"
    SUCCESS = "success"
    GOOD = "good"
    WARNING = "warning"
    DANGER = "danger"


class ActionDataSource(StrEnum):
    """Where a menu takes its options from instead of a static list."""

    USERS = "users"
    CHANNELS = "channels"


def _check_color(path: str, value: str | None, named: Iterable[str]) -> None:
    if not value:
        return
    names = tuple(str(n) for n in named)
    if value in names or HEX_COLOR_RE.match(value):
        return
    raise BuilderError(
        path,
        f"invalid color {value!r}: must be one of {', '.join(names)} "
        "or a hex color #rrggbb (Mattermost accepts six hex digits only)",
    )


def check_message(path: str, message: str | None) -> None:
    """A post message may be at most :data:`MESSAGE_MAX_RUNES` characters."""
    check_max_runes(path, message, MESSAGE_MAX_RUNES, "Mattermost's PostMessageMaxRunesV2")


def check_props_size(path: str, props: Mapping[str, Any]) -> None:
    """Props of one post, as JSON, may be at most :data:`PROPS_MAX_RUNES` characters."""
    size = json_runes(props)
    if size > PROPS_MAX_RUNES:
        raise BuilderError(
            path,
            f"serialise to {size} characters of JSON, over the limit of {PROPS_MAX_RUNES} "
            "(Mattermost's PostPropsMaxUserRunes); too many or too large attachments",
        )


@dataclass(kw_only=True)
class ActionOption:
    """One entry of a static menu: the label shown and the value sent back."""

    text: str
    value: str

    def to_dict(self) -> dict[str, Any]:
        return self._build("option")

    def _build(self, path: str) -> dict[str, Any]:
        # model.PostActionOptions.IsValid: both text and value are required.
        check_required(join(path, "text"), self.text)
        check_required(join(path, "value"), self.value)
        return {"text": self.text, "value": self.value}


@dataclass(kw_only=True)
class Integration:
    """Where Mattermost POSTs when the action is used, and private data it passes along.

    ``url`` is an absolute http(s) URL or a plugin path (``/plugins/<id>/...``).
    ``context`` is sent back verbatim in the request (``ActionRequest.context``) and is
    never shown to users.
    """

    url: str
    context: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return self._build("integration")

    def _build(self, path: str) -> dict[str, Any]:
        url_path = join(path, "url")
        check_required(url_path, self.url)
        # PostAction.IsValid: "/plugins/", "plugins/" or model.IsValidHTTPURL.
        if not (self.url.startswith(("/plugins/", "plugins/"))):
            check_http_url(url_path, self.url)
        check_json_mapping(join(path, "context"), self.context)
        out: dict[str, Any] = {"url": self.url}
        if self.context:
            out["context"] = dict(self.context)
        return out


@dataclass(kw_only=True)
class Action:
    """Common part of :class:`Button` and :class:`Menu`; use those."""

    TYPE: ClassVar[str] = ""

    #: Text on the button, or the menu's placeholder. Required.
    name: str
    #: Required; typed optional so that a missing one is reported as a BuilderError.
    integration: Integration | None = None
    #: ASCII letters and digits only (the route is ``/actions/{action_id:[A-Za-z0-9]+}``);
    #: left out, the server generates one when the post is saved.
    id: str | None = None
    style: ActionStyle | str | None = None
    disabled: bool = False

    def to_dict(self) -> dict[str, Any]:
        return self._build("action")

    def _common(self, path: str) -> None:
        check_required(join(path, "name"), self.name)
        if self.id is not None and not ACTION_ID_RE.match(self.id):
            raise BuilderError(
                join(path, "id"),
                f"invalid action id {self.id!r}: only ASCII letters and digits are allowed "
                "(Mattermost routes /posts/{post_id}/actions/{action_id:[A-Za-z0-9]+})",
            )
        _check_color(join(path, "style"), self.style, ActionStyle)
        if self.integration is None:
            raise BuilderError(
                join(path, "integration"), "is required: an action needs an integration URL"
            )

    def _build(self, path: str) -> dict[str, Any]:
        raise NotImplementedError

    def _base_items(self, path: str) -> list[tuple[str, Any]]:
        assert self.integration is not None
        return [
            ("id", self.id),
            ("type", self.TYPE),
            ("name", self.name),
            ("disabled", self.disabled),
            ("style", str(self.style) if self.style else None),
        ]


@dataclass(kw_only=True)
class Button(Action):
    """An interactive button."""

    TYPE: ClassVar[str] = "button"

    def _build(self, path: str) -> dict[str, Any]:
        self._common(path)
        assert self.integration is not None
        integration = self.integration._build(join(path, "integration"))
        return compact([*self._base_items(path), ("integration", integration)])


@dataclass(kw_only=True)
class Menu(Action):
    """An interactive menu (Mattermost action type ``select``).

    Give either static ``options`` or a ``data_source`` (users or channels), not both.
    ``default_option`` is the value selected initially (an option's value, or a user or
    channel id with a data source).
    """

    TYPE: ClassVar[str] = "select"

    options: Sequence[ActionOption] = field(default_factory=list)
    data_source: ActionDataSource | str | None = None
    default_option: str | None = None

    def _build(self, path: str) -> dict[str, Any]:
        self._common(path)
        assert self.integration is not None
        options: list[dict[str, Any]] = []
        if self.data_source:
            ds_path = join(path, "data_source")
            if self.data_source not in tuple(ActionDataSource):
                raise BuilderError(
                    ds_path,
                    f"invalid data_source {str(self.data_source)!r}: must be users or channels",
                )
            if self.options:
                raise BuilderError(
                    join(path, "options"),
                    "a menu cannot have both options and a data_source",
                )
        else:
            if not self.options:
                raise BuilderError(
                    join(path, "options"), "a menu needs either options or a data_source"
                )
            options = [
                o._build(index(join(path, "options"), i)) for i, o in enumerate(self.options)
            ]
            if self.default_option and self.default_option not in {o.value for o in self.options}:
                raise BuilderError(
                    join(path, "default_option"),
                    f"{self.default_option!r} is not the value of any option",
                )
        integration = self.integration._build(join(path, "integration"))
        return compact(
            [
                *self._base_items(path),
                ("data_source", str(self.data_source) if self.data_source else None),
                ("options", options),
                ("default_option", self.default_option),
                ("integration", integration),
            ]
        )


@dataclass(kw_only=True)
class AttachmentField:
    """A title/value pair shown in a table; ``short`` fields sit side by side.

    An ``int`` value is sent as a string: Mattermost's model only accepts string values
    once the post has travelled through JSON (numbers come back as floats).
    """

    title: str = ""
    value: str | int = ""
    short: bool = False

    def to_dict(self) -> dict[str, Any]:
        return self._build("field")

    def _build(self, path: str) -> dict[str, Any]:
        # model.SlackAttachmentField.IsValid: value is a string or an int.
        if isinstance(self.value, bool) or not isinstance(self.value, str | int):
            raise BuilderError(
                join(path, "value"),
                f"must be a string or an int, got {type(self.value).__name__}",
            )
        if not self.title and self.value == "":
            raise BuilderError(path, "a field needs a title or a value")
        out: dict[str, Any] = {"title": self.title, "value": str(self.value)}
        if self.short:
            out["short"] = True
        return out


@dataclass(kw_only=True)
class Attachment:
    """A message attachment with every field Mattermost supports.

    ``ts`` (shown next to the footer) is a Unix timestamp or a string; it is sent as a
    string for the same reason as :class:`AttachmentField` values.
    """

    fallback: str | None = None
    color: AttachmentColor | str | None = None
    pretext: str | None = None
    text: str | None = None
    author_name: str | None = None
    author_link: str | None = None
    author_icon: str | None = None
    title: str | None = None
    title_link: str | None = None
    fields: Sequence[AttachmentField] = field(default_factory=list)
    image_url: str | None = None
    thumb_url: str | None = None
    footer: str | None = None
    footer_icon: str | None = None
    ts: int | str | None = None
    actions: Sequence[Action] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return self._build("attachment")

    def _build(self, path: str) -> dict[str, Any]:
        # Rules of model.SlackAttachment.IsValid.
        _check_color(join(path, "color"), self.color, AttachmentColor)
        if self.author_link and not self.author_name:
            raise BuilderError(join(path, "author_link"), "cannot be set without author_name")
        if self.title_link and not self.title:
            raise BuilderError(join(path, "title_link"), "cannot be set without title")
        for name in (
            "author_link",
            "author_icon",
            "title_link",
            "image_url",
            "thumb_url",
            "footer_icon",
        ):
            check_http_url(join(path, name), getattr(self, name))
        if self.ts is not None and (
            isinstance(self.ts, bool) or not isinstance(self.ts, int | str)
        ):
            raise BuilderError(join(path, "ts"), "must be an int or a string")
        fields = [f._build(index(join(path, "fields"), i)) for i, f in enumerate(self.fields)]
        actions = [a._build(index(join(path, "actions"), i)) for i, a in enumerate(self.actions)]
        _check_unique_action_ids(
            path, [(index(join(path, "actions"), i), a) for i, a in enumerate(self.actions)]
        )
        return compact(
            [
                ("fallback", self.fallback),
                ("color", str(self.color) if self.color else None),
                ("pretext", self.pretext),
                ("text", self.text),
                ("author_name", self.author_name),
                ("author_link", self.author_link),
                ("author_icon", self.author_icon),
                ("title", self.title),
                ("title_link", self.title_link),
                ("fields", fields),
                ("image_url", self.image_url),
                ("thumb_url", self.thumb_url),
                ("footer", self.footer),
                ("footer_icon", self.footer_icon),
                ("ts", str(self.ts) if self.ts is not None and self.ts != "" else None),
                ("actions", actions),
            ]
        )


def _check_unique_action_ids(_path: str, actions: Iterable[tuple[str, Action]]) -> None:
    # Post.GetAction returns the first action with the id: a duplicate is unreachable.
    seen: dict[str, str] = {}
    for action_path, action in actions:
        if not action.id:
            continue
        if action.id in seen:
            raise BuilderError(
                join(action_path, "id"),
                f"duplicate action id {action.id!r} (also used by {seen[action.id]}); "
                "Mattermost would always trigger the first one",
            )
        seen[action.id] = action_path


def attachments_to_list(
    attachments: Sequence[Attachment], path: str = "attachments"
) -> list[dict[str, Any]]:
    """Validate and serialise attachments that go into one post.

    Besides each attachment's own rules, action ids must be unique across the post.
    """
    if isinstance(attachments, Attachment):
        attachments = [attachments]
    out = [a._build(index(path, i)) for i, a in enumerate(attachments)]
    _check_unique_action_ids(
        path,
        [
            (index(join(index(path, i), "actions"), j), action)
            for i, a in enumerate(attachments)
            for j, action in enumerate(a.actions)
        ],
    )
    return out


def _check_id(path: str, value: str) -> None:
    # model.IsValidId: 26 letters or digits.
    if len(value) != 26 or not value.isalnum():
        raise BuilderError(path, f"must be a Mattermost id (26 letters and digits), got {value!r}")


def post_body(
    *,
    channel_id: str,
    message: str = "",
    attachments: Sequence[Attachment] = (),
    props: Mapping[str, Any] | None = None,
    root_id: str | None = None,
) -> CreatePostBody:
    """The body of ``POST /api/v4/posts`` for a message with attachments, as the generated
    model ``mm.posts.create_post(body=...)`` takes.

    Its ``to_dict()`` is ``{"channel_id": ..., "message": ..., "props": {"attachments": [...]}}``
    (``root_id`` when replying in a thread; other ``props`` merged in).
    """
    from mattermost_api.models.create_post_body import CreatePostBody

    _check_id("channel_id", channel_id)
    if root_id:
        _check_id("root_id", root_id)
    check_message("message", message)
    merged = _merge_props("props", props, attachments, "attachments")
    if not message and not merged.get("attachments"):
        raise BuilderError("message", "a post needs a message or at least one attachment")
    body: dict[str, Any] = {"channel_id": channel_id, "message": message}
    if root_id:
        body["root_id"] = root_id
    if merged:
        body["props"] = merged
    return CreatePostBody.from_dict(body)


def _merge_props(
    props_path: str,
    props: Mapping[str, Any] | None,
    attachments: Sequence[Attachment],
    attachments_path: str,
) -> dict[str, Any]:
    """Props with the serialised attachments under ``"attachments"``; size-checked."""
    check_json_mapping(props_path, props)
    merged: dict[str, Any] = dict(props or {})
    if attachments:
        if "attachments" in merged:
            raise BuilderError(
                join(props_path, "attachments"),
                f"give attachments either here or as {attachments_path}=, not both",
            )
        merged["attachments"] = attachments_to_list(attachments, attachments_path)
    if merged:
        check_props_size(props_path, merged)
    return merged

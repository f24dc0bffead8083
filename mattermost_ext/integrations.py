"""What Mattermost POSTs to an integration URL, typed, and the answers to it.

Requests (frozen dataclasses; unknown fields are kept in ``raw``, wrong types are coerced
to empty values, nothing raises except input that is not an object at all):

- :class:`ActionRequest`: a user clicked a button or chose a menu option
  (JSON, Mattermost's ``PostActionIntegrationRequest``);
- :class:`SlashCommandRequest`: a custom slash command (form-encoded);
- :class:`DialogSubmission`: an interactive dialog was submitted or cancelled
  (JSON, ``SubmitDialogRequest``).

Responses (validated by ``to_dict()``, raising :class:`BuilderError`):

- :class:`ActionResponse` with an optional :class:`PostUpdate`;
- :class:`SlashResponse`;
- dialogs and their submission responses live in :mod:`mattermost_ext.dialogs`.

::

    request = ActionRequest.from_json(body)
    if request.selected_option == "approve":
        answer = ActionResponse(update=PostUpdate(message="Approved", attachments=[]))
    return json.dumps(answer.to_dict())
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qs

from mattermost_ext._validation import BuilderError, check_choice, compact, index, join
from mattermost_ext.attachments import Attachment, _check_id, _merge_props, check_message

__all__ = [
    "ActionRequest",
    "ActionResponse",
    "BuilderError",
    "DialogSubmission",
    "PostUpdate",
    "RequestParseError",
    "ResponseType",
    "SlashCommandRequest",
    "SlashResponse",
]


class RequestParseError(ValueError):
    """The body Mattermost sent could not be read at all (not JSON, not an object)."""


# --------------------------------------------------------------------------- parsing


def _load_json_object(body: str | bytes | bytearray, what: str) -> Mapping[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestParseError(f"{what}: body is not valid JSON ({exc})") from None
    if not isinstance(data, Mapping):
        raise RequestParseError(f"{what}: expected a JSON object, got {type(data).__name__}")
    return data


def _ensure_mapping(data: object, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise RequestParseError(f"{what}: expected a mapping, got {type(data).__name__}")
    return data


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | bool):
        return json.dumps(value)
    return ""


def _dict(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return dict(value) if isinstance(value, Mapping) else {}


def _bool(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return value is True or (isinstance(value, int | float) and value != 0)


@dataclass(frozen=True, kw_only=True)
class ActionRequest:
    """A button click or menu choice, as POSTed to the action's integration URL.

    ``type`` is ``"button"`` or ``"select"``; for menus ``selected_option`` holds the
    chosen value (Mattermost puts it into ``context``). ``context`` is the integration
    context given when the action was built. ``trigger_id`` opens a dialog.
    """

    user_id: str = ""
    user_name: str = ""
    channel_id: str = ""
    channel_name: str = ""
    team_id: str = ""
    team_domain: str = ""
    post_id: str = ""
    trigger_id: str = ""
    type: str = ""
    data_source: str = ""
    context: Mapping[str, Any] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def selected_option(self) -> str | None:
        value = self.context.get("selected_option")
        return value if isinstance(value, str) else None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ActionRequest:
        data = _ensure_mapping(data, "action request")
        return cls(
            user_id=_str(data, "user_id"),
            user_name=_str(data, "user_name"),
            channel_id=_str(data, "channel_id"),
            channel_name=_str(data, "channel_name"),
            team_id=_str(data, "team_id"),
            team_domain=_str(data, "team_domain"),
            post_id=_str(data, "post_id"),
            trigger_id=_str(data, "trigger_id"),
            type=_str(data, "type"),
            data_source=_str(data, "data_source"),
            context=_dict(data, "context"),
            raw=dict(data),
        )

    @classmethod
    def from_json(cls, body: str | bytes | bytearray) -> ActionRequest:
        return cls.from_dict(_load_json_object(body, "action request"))


def _mentions(form: Mapping[str, list[str]], names_key: str, ids_key: str) -> dict[str, str]:
    names = form.get(names_key, [])
    ids = form.get(ids_key, [])
    return dict(zip(names, ids, strict=False))


@dataclass(frozen=True, kw_only=True)
class SlashCommandRequest:
    """A custom slash command, as POSTed (form-encoded) or sent as GET query.

    ``token`` is the command's secret token: compare it with the one Mattermost gave
    when the command was created (it is left out of ``repr``). ``response_url`` accepts
    up to five delayed :class:`SlashResponse` answers within 30 minutes.
    ``user_mentions``/``channel_mentions`` map mentioned names to ids.
    """

    channel_id: str = ""
    channel_name: str = ""
    command: str = ""
    response_url: str = field(default="", repr=False)
    team_domain: str = ""
    team_id: str = ""
    text: str = ""
    token: str = field(default="", repr=False)
    trigger_id: str = ""
    user_id: str = ""
    user_name: str = ""
    root_id: str = ""
    user_mentions: Mapping[str, str] = field(default_factory=dict)
    channel_mentions: Mapping[str, str] = field(default_factory=dict)
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def trigger(self) -> str:
        """The command word without the slash: ``"deploy"`` for ``/deploy``."""
        return self.command[1:] if self.command.startswith("/") else self.command

    @classmethod
    def from_form(
        cls, form: str | bytes | bytearray | Mapping[str, str | Sequence[str]]
    ) -> SlashCommandRequest:
        """Parse a form-encoded body (or query string), or an already parsed mapping."""
        multi: dict[str, list[str]] = {}
        if isinstance(form, bytes | bytearray):
            form = form.decode("utf-8", errors="replace")
        if isinstance(form, str):
            multi = parse_qs(form, keep_blank_values=True)
        elif isinstance(form, Mapping):
            for key, value in form.items():
                if isinstance(value, str):
                    multi[str(key)] = [value]
                elif isinstance(value, Sequence):
                    multi[str(key)] = [str(v) for v in value]
                elif value is not None:
                    multi[str(key)] = [str(value)]
        else:
            raise RequestParseError(
                f"slash command request: expected a form body or mapping, got "
                f"{type(form).__name__}"
            )
        single = {key: values[0] if values else "" for key, values in multi.items()}
        raw: dict[str, Any] = {
            key: values[0] if len(values) == 1 else list(values) for key, values in multi.items()
        }
        return cls(
            channel_id=single.get("channel_id", ""),
            channel_name=single.get("channel_name", ""),
            command=single.get("command", ""),
            response_url=single.get("response_url", ""),
            team_domain=single.get("team_domain", ""),
            team_id=single.get("team_id", ""),
            text=single.get("text", ""),
            token=single.get("token", ""),
            trigger_id=single.get("trigger_id", ""),
            user_id=single.get("user_id", ""),
            user_name=single.get("user_name", ""),
            root_id=single.get("root_id", ""),
            user_mentions=_mentions(multi, "user_mentions", "user_mentions_ids"),
            channel_mentions=_mentions(multi, "channel_mentions", "channel_mentions_ids"),
            raw=raw,
        )


@dataclass(frozen=True, kw_only=True)
class DialogSubmission:
    """An interactive dialog submission (or cancellation, with ``notify_on_cancel``).

    ``submission`` maps element names to values (strings; booleans for bool elements;
    ``None`` for empty optional fields). ``type`` is ``"dialog_submission"``, or
    ``"refresh"`` when a select with ``refresh`` changed.
    """

    type: str = ""
    url: str = ""
    callback_id: str = ""
    state: str = ""
    user_id: str = ""
    channel_id: str = ""
    team_id: str = ""
    submission: Mapping[str, Any] = field(default_factory=dict)
    cancelled: bool = False
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DialogSubmission:
        data = _ensure_mapping(data, "dialog submission")
        return cls(
            type=_str(data, "type"),
            url=_str(data, "url"),
            callback_id=_str(data, "callback_id"),
            state=_str(data, "state"),
            user_id=_str(data, "user_id"),
            channel_id=_str(data, "channel_id"),
            team_id=_str(data, "team_id"),
            submission=_dict(data, "submission"),
            cancelled=_bool(data, "cancelled"),
            raw=dict(data),
        )

    @classmethod
    def from_json(cls, body: str | bytes | bytearray) -> DialogSubmission:
        return cls.from_dict(_load_json_object(body, "dialog submission"))


# --------------------------------------------------------------------------- responses


def _check_post_type(path: str, value: str | None) -> None:
    # Post.IsValid accepts built-in types or ones prefixed "custom_"
    # (model.PostCustomTypePrefix); integrations may not create system_ posts.
    if value and value not in ("slack_attachment",) and not value.startswith("custom_"):
        raise BuilderError(path, f"invalid post type {value!r}: use a type starting with 'custom_'")


@dataclass(kw_only=True)
class PostUpdate:
    """The new content of the post whose action was used.

    ``message`` replaces the post's message (an empty string empties it). Leaving both
    ``attachments`` and ``props`` as ``None`` keeps the post's props, attachments and
    buttons included; ``attachments=[]`` removes them.
    """

    message: str
    attachments: Sequence[Attachment] | None = None
    props: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return self._build("update")

    def _build(self, path: str) -> dict[str, Any]:
        check_message(join(path, "message"), self.message)
        out: dict[str, Any] = {"message": self.message}
        if self.attachments is not None or self.props is not None:
            out["props"] = _merge_props(
                join(path, "props"), self.props, self.attachments or (), join(path, "attachments")
            )
        return out


@dataclass(kw_only=True)
class ActionResponse:
    """The answer to an :class:`ActionRequest` (model.PostActionIntegrationResponse).

    ``update`` changes the post, ``ephemeral_text`` is shown only to the user who
    clicked. (Mattermost has no ``goto_location`` for actions; slash responses do.)
    """

    update: PostUpdate | None = None
    ephemeral_text: str | None = None
    skip_slack_parsing: bool = False

    def to_dict(self) -> dict[str, Any]:
        check_message("ephemeral_text", self.ephemeral_text)
        return compact(
            [
                ("update", self.update._build("update") if self.update is not None else None),
                ("ephemeral_text", self.ephemeral_text),
                ("skip_slack_parsing", self.skip_slack_parsing),
            ]
        )


class ResponseType(StrEnum):
    """Who sees a slash command's answer."""

    IN_CHANNEL = "in_channel"
    EPHEMERAL = "ephemeral"


@dataclass(kw_only=True)
class SlashResponse:
    """The answer to a slash command (model.CommandResponse).

    ``response_type`` defaults to ephemeral on the server. ``username``/``icon_url``
    override the poster when the server allows overrides. ``goto_location`` sends the
    user's client to a URL. ``extra_responses`` are posted after this one (one level;
    Mattermost ignores deeper nesting). ``channel_id`` posts to another channel the
    user is a member of.
    """

    text: str | None = None
    response_type: ResponseType | str | None = None
    username: str | None = None
    icon_url: str | None = None
    channel_id: str | None = None
    type: str | None = None
    attachments: Sequence[Attachment] = field(default_factory=list)
    props: Mapping[str, Any] | None = None
    goto_location: str | None = None
    skip_slack_parsing: bool = False
    extra_responses: Sequence[SlashResponse] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return self._build("", allow_extra=True)

    def _build(self, path: str, *, allow_extra: bool) -> dict[str, Any]:
        kind = str(self.response_type) if self.response_type else None
        check_choice(join(path, "response_type"), kind, [str(t) for t in ResponseType])
        check_message(join(path, "text"), self.text)
        if self.channel_id:
            _check_id(join(path, "channel_id"), self.channel_id)
        _check_post_type(join(path, "type"), self.type)
        # CommandResponse carries attachments in its own field: the server copies them
        # into the post's props and, for ephemeral answers, only sends a post when text
        # or attachments are set. Props and attachments are size-checked together.
        merged = _merge_props(
            join(path, "props"), self.props, self.attachments, join(path, "attachments")
        )
        attachments = merged.pop("attachments", None) if self.attachments else None
        extra: list[dict[str, Any]] = []
        if self.extra_responses:
            if not allow_extra:
                raise BuilderError(
                    join(path, "extra_responses"),
                    "extra responses cannot be nested: Mattermost only handles one level",
                )
            extra = [
                r._build(index(join(path, "extra_responses"), i), allow_extra=False)
                for i, r in enumerate(self.extra_responses)
            ]
        return compact(
            [
                ("response_type", kind),
                ("text", self.text),
                ("username", self.username),
                ("icon_url", self.icon_url),
                ("channel_id", self.channel_id),
                ("type", self.type),
                ("attachments", attachments),
                ("props", merged),
                ("goto_location", self.goto_location),
                ("skip_slack_parsing", self.skip_slack_parsing),
                ("extra_responses", extra),
            ]
        )

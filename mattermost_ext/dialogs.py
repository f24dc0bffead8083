"""Interactive dialogs: the definition sent to ``POST /api/v4/actions/dialogs/open`` and
the answer an integration gives to a dialog submission.

::

    from mattermost_ext.dialogs import Dialog, OpenDialogRequest, TextElement

    body = OpenDialogRequest(
        trigger_id=request.trigger_id,          # from a slash command or action request
        url="https://example.com/dialog",       # where the submission is POSTed
        dialog=Dialog(
            callback_id="create-ticket",
            title="New ticket",
            elements=[TextElement(display_name="Summary", name="summary", max_length=150)],
        ),
    ).to_dict()

The rules mirror ``model.Dialog.IsValid`` and ``model.DialogElement.IsValid``
(integration_action.go, server/public v0.1.20). Mattermost itself only logs invalid
dialogs and opens them anyway, usually broken; these builders refuse them. Mattermost
measures these limits with Go's ``len``, i.e. in UTF-8 bytes, and so do the checks here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from mattermost_ext._validation import (
    BuilderError,
    check_choice,
    check_http_url,
    check_max_bytes,
    check_required,
    compact,
    index,
    join,
)
from mattermost_ext.attachments import ActionOption

if TYPE_CHECKING:
    from mattermost_api.models.open_interactive_dialog_body import OpenInteractiveDialogBody

__all__ = [
    "BoolElement",
    "BuilderError",
    "DateElement",
    "DateTimeElement",
    "Dialog",
    "DialogElement",
    "DialogResponseType",
    "DialogSubmissionResponse",
    "OpenDialogRequest",
    "RadioElement",
    "SelectDataSource",
    "SelectElement",
    "TextElement",
    "TextSubtype",
    "TextareaElement",
]


class TextSubtype(StrEnum):
    """Input subtypes of text and textarea elements."""

    TEXT = "text"
    EMAIL = "email"
    NUMBER = "number"
    PASSWORD = "password"
    TEL = "tel"
    URL = "url"


class SelectDataSource(StrEnum):
    """Where a select element takes its options from instead of a static list."""

    USERS = "users"
    CHANNELS = "channels"
    #: Options fetched from ``data_source_url`` as the user types.
    DYNAMIC = "dynamic"


def _check_default_in_options(
    path: str, default: str | None, options: Sequence[ActionOption]
) -> None:
    # model isDefaultInOptions
    if default and default not in {o.value for o in options}:
        raise BuilderError(join(path, "default"), f"{default!r} is not the value of any option")


def _options(path: str, options: Sequence[ActionOption]) -> list[dict[str, Any]]:
    return [o._build(index(join(path, "options"), i)) for i, o in enumerate(options)]


@dataclass(kw_only=True)
class DialogElement:
    """Fields every element has; use the subclasses."""

    TYPE: ClassVar[str] = ""
    # model.DialogElementDisplayNameMaxLength
    DISPLAY_NAME_MAX: ClassVar[int] = 24
    # model.DialogElementNameMaxLength
    NAME_MAX: ClassVar[int] = 300
    # model.DialogElementHelpTextMaxLength
    HELP_TEXT_MAX: ClassVar[int] = 150
    # Per-type limit of default and placeholder; 0 means none.
    VALUE_MAX: ClassVar[int] = 0
    VALUE_MAX_MIRRORS: ClassVar[str] = ""

    #: Label shown above the element. Required.
    display_name: str
    #: Key of the value in the submission. Required, unique within the dialog.
    name: str
    optional: bool = False
    help_text: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return self._build("element")

    def _common(self, path: str) -> None:
        check_required(join(path, "display_name"), self.display_name)
        check_max_bytes(
            join(path, "display_name"),
            self.display_name,
            self.DISPLAY_NAME_MAX,
            "Mattermost's DialogElementDisplayNameMaxLength",
        )
        check_required(join(path, "name"), self.name)
        check_max_bytes(
            join(path, "name"), self.name, self.NAME_MAX, "Mattermost's DialogElementNameMaxLength"
        )
        check_max_bytes(
            join(path, "help_text"),
            self.help_text,
            self.HELP_TEXT_MAX,
            "Mattermost's DialogElementHelpTextMaxLength",
        )

    def _check_value(self, path: str, name: str, value: str | None) -> None:
        if self.VALUE_MAX:
            check_max_bytes(join(path, name), value, self.VALUE_MAX, self.VALUE_MAX_MIRRORS)

    def _items(self) -> list[tuple[str, Any]]:
        return [
            ("display_name", self.display_name),
            ("name", self.name),
            ("type", self.TYPE),
            ("optional", self.optional),
            ("help_text", self.help_text),
        ]

    def _build(self, path: str) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(kw_only=True)
class TextElement(DialogElement):
    """A single-line text input."""

    TYPE: ClassVar[str] = "text"
    # model.DialogElementTextMaxLength
    VALUE_MAX: ClassVar[int] = 150
    VALUE_MAX_MIRRORS: ClassVar[str] = "Mattermost's DialogElementTextMaxLength"

    subtype: TextSubtype | str | None = None
    default: str | None = None
    placeholder: str | None = None
    min_length: int | None = None
    max_length: int | None = None

    def _build(self, path: str) -> dict[str, Any]:
        self._common(path)
        check_choice(
            join(path, "subtype"),
            str(self.subtype) if self.subtype else None,
            [str(s) for s in TextSubtype],
        )
        self._check_value(path, "default", self.default)
        self._check_value(path, "placeholder", self.placeholder)
        if self.min_length is not None and self.min_length < 0:
            raise BuilderError(
                join(path, "min_length"), f"cannot be negative, got {self.min_length}"
            )
        if self.max_length is not None and self.max_length < 0:
            raise BuilderError(
                join(path, "max_length"), f"cannot be negative, got {self.max_length}"
            )
        if self.min_length and self.min_length > (self.max_length or 0):
            # DialogElement.IsValid compares with max_length, which is 0 when not given.
            raise BuilderError(
                join(path, "min_length"),
                f"{self.min_length} is greater than max_length ({self.max_length or 0}); "
                "Mattermost requires max_length to be set when min_length is",
            )
        return compact(
            [
                *self._items(),
                ("subtype", str(self.subtype) if self.subtype else None),
                ("default", self.default),
                ("placeholder", self.placeholder),
                ("min_length", self.min_length or None),
                ("max_length", self.max_length or None),
            ]
        )


@dataclass(kw_only=True)
class TextareaElement(TextElement):
    """A multi-line text input."""

    TYPE: ClassVar[str] = "textarea"
    # model.DialogElementTextareaMaxLength
    VALUE_MAX: ClassVar[int] = 3000
    VALUE_MAX_MIRRORS: ClassVar[str] = "Mattermost's DialogElementTextareaMaxLength"


@dataclass(kw_only=True)
class SelectElement(DialogElement):
    """A drop-down: static ``options``, or a ``data_source`` (users, channels, dynamic).

    With ``multiselect`` the default may list several comma-separated values.
    """

    TYPE: ClassVar[str] = "select"
    # model.DialogElementSelectMaxLength
    VALUE_MAX: ClassVar[int] = 3000
    VALUE_MAX_MIRRORS: ClassVar[str] = "Mattermost's DialogElementSelectMaxLength"

    options: Sequence[ActionOption] = field(default_factory=list)
    data_source: SelectDataSource | str | None = None
    #: Lookup URL for ``data_source="dynamic"``: http(s) or ``/plugins/...``.
    data_source_url: str | None = None
    default: str | None = None
    placeholder: str | None = None
    multiselect: bool = False
    #: Submit the dialog with ``type="refresh"`` whenever the selection changes, so the
    #: integration can answer with an updated form.
    refresh: bool = False

    def _build(self, path: str) -> dict[str, Any]:
        self._common(path)
        self._check_value(path, "default", self.default)
        self._check_value(path, "placeholder", self.placeholder)
        source = str(self.data_source) if self.data_source else None
        check_choice(join(path, "data_source"), source, [str(s) for s in SelectDataSource])
        if self.options and source:
            raise BuilderError(
                join(path, "options"), f"a select with data_source {source!r} cannot have options"
            )
        if source == SelectDataSource.DYNAMIC:
            url_path = join(path, "data_source_url")
            if not self.data_source_url:
                raise BuilderError(url_path, "is required with data_source 'dynamic'")
            # model.IsValidLookupURL
            if self.data_source_url.startswith("/plugins/"):
                if ".." in self.data_source_url or "//" in self.data_source_url:
                    raise BuilderError(url_path, "a plugin path must not contain '..' or '//'")
            else:
                check_http_url(url_path, self.data_source_url)
        elif self.data_source_url:
            raise BuilderError(
                join(path, "data_source_url"), "is only used with data_source 'dynamic'"
            )
        if not source:
            if self.multiselect and self.default:
                # model isMultiSelectDefaultInOptions
                values = {o.value for o in self.options}
                for part in self.default.replace(" ", "").split(","):
                    if part and part not in values:
                        raise BuilderError(
                            join(path, "default"), f"{part!r} is not the value of any option"
                        )
            else:
                _check_default_in_options(path, self.default, self.options)
        return compact(
            [
                *self._items(),
                ("data_source", source),
                ("data_source_url", self.data_source_url),
                ("options", _options(path, self.options)),
                ("default", self.default),
                ("placeholder", self.placeholder),
                ("multiselect", self.multiselect),
                ("refresh", self.refresh),
            ]
        )


@dataclass(kw_only=True)
class BoolElement(DialogElement):
    """A checkbox; ``placeholder`` is the text next to it."""

    TYPE: ClassVar[str] = "bool"
    # model.DialogElementBoolMaxLength
    VALUE_MAX: ClassVar[int] = 150
    VALUE_MAX_MIRRORS: ClassVar[str] = "Mattermost's DialogElementBoolMaxLength"

    default: bool | None = None
    placeholder: str | None = None

    def _build(self, path: str) -> dict[str, Any]:
        self._common(path)
        if self.default is not None and not isinstance(self.default, bool):
            raise BuilderError(join(path, "default"), "must be True, False or None")
        self._check_value(path, "placeholder", self.placeholder)
        default = None if self.default is None else ("true" if self.default else "false")
        return compact([*self._items(), ("default", default), ("placeholder", self.placeholder)])


@dataclass(kw_only=True)
class RadioElement(DialogElement):
    """Radio buttons, one per option."""

    TYPE: ClassVar[str] = "radio"

    options: Sequence[ActionOption] = field(default_factory=list)
    default: str | None = None

    def _build(self, path: str) -> dict[str, Any]:
        self._common(path)
        if not self.options:
            raise BuilderError(join(path, "options"), "a radio element needs options")
        _check_default_in_options(path, self.default, self.options)
        return compact(
            [*self._items(), ("options", _options(path, self.options)), ("default", self.default)]
        )


_RELATIVE_DATES = ("today", "tomorrow", "yesterday")
_ISO_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Go layouts of model.commonDateTimeFormats, as strptime formats.
_DATETIME_FORMATS = (
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
)


def _is_relative_date(value: str) -> bool:
    # model.isValidRelativeFormat: today/tomorrow/yesterday or +Nd, -2w, +1m (3-5 chars).
    if value in _RELATIVE_DATES:
        return True
    if not 3 <= len(value) <= 5 or value[0] not in "+-" or value[-1].lower() not in "dwm":
        return False
    return value[1:-1].isdigit()


def _parses(value: str, formats: Sequence[str]) -> bool:
    for fmt in formats:
        try:
            datetime.strptime(value, fmt)
        except ValueError:
            continue
        return True
    return False


def _check_date(path: str, value: str | None) -> None:
    # model.validateDateFormat (a datetime is only "tolerated" there: refused here)
    iso = bool(_ISO_DATE_RE.match(value or "")) and _parses(value or "", ("%Y-%m-%d",))
    if value and not _is_relative_date(value) and not iso:
        raise BuilderError(
            path,
            f"invalid date {value!r}: use YYYY-MM-DD, today/tomorrow/yesterday "
            "or a relative date such as +1d, -2w, +1m",
        )


def _check_datetime(path: str, value: str | None) -> None:
    # model.validateDateTimeFormat
    if value and not _is_relative_date(value) and not _parses(value, _DATETIME_FORMATS):
        raise BuilderError(
            path,
            f"invalid datetime {value!r}: use YYYY-MM-DDTHH:MM[:SS][Z|+hh:mm] "
            "or a relative date such as today or +1d",
        )


@dataclass(kw_only=True)
class DateElement(DialogElement):
    """A date picker. Dates are ``YYYY-MM-DD`` or relative (``today``, ``+1d``, ``-2w``)."""

    TYPE: ClassVar[str] = "date"
    # model.DialogElementTextMaxLength (date elements share the text limit)
    VALUE_MAX: ClassVar[int] = 150
    VALUE_MAX_MIRRORS: ClassVar[str] = "Mattermost's DialogElementTextMaxLength"

    default: str | None = None
    placeholder: str | None = None
    min_date: str | None = None
    max_date: str | None = None

    def _check_dates(self, path: str) -> None:
        self._common(path)
        self._check_value(path, "default", self.default)
        self._check_value(path, "placeholder", self.placeholder)
        _check_date(join(path, "min_date"), self.min_date)
        _check_date(join(path, "max_date"), self.max_date)

    def _build(self, path: str) -> dict[str, Any]:
        self._check_dates(path)
        _check_date(join(path, "default"), self.default)
        return compact(self._date_items())

    def _date_items(self) -> list[tuple[str, Any]]:
        return [
            *self._items(),
            ("default", self.default),
            ("placeholder", self.placeholder),
            ("min_date", self.min_date),
            ("max_date", self.max_date),
        ]


@dataclass(kw_only=True)
class DateTimeElement(DateElement):
    """A date and time picker; ``time_interval`` is the minutes between offered times."""

    TYPE: ClassVar[str] = "datetime"
    # model.DefaultTimeIntervalMinutes; Mattermost warns about (and resets) 0.
    DEFAULT_TIME_INTERVAL: ClassVar[int] = 60

    time_interval: int = 60

    def _build(self, path: str) -> dict[str, Any]:
        self._check_dates(path)
        _check_datetime(join(path, "default"), self.default)
        interval = self.time_interval
        # DialogElement.IsValid: 1..1440 and a divisor of 1440 (minutes per day).
        if (
            isinstance(interval, bool)
            or not isinstance(interval, int)
            or not (1 <= interval <= 1440 and 1440 % interval == 0)
        ):
            raise BuilderError(
                join(path, "time_interval"),
                f"must be a divisor of 1440 between 1 and 1440 minutes, got {interval!r}",
            )
        return compact([*self._date_items(), ("time_interval", interval)])


@dataclass(kw_only=True)
class Dialog:
    """An interactive dialog.

    ``state`` is echoed back in the submission; ``notify_on_cancel`` asks Mattermost to
    POST a submission with ``cancelled=True`` when the user closes the dialog.
    """

    # model.DialogTitleMaxLength
    TITLE_MAX: ClassVar[int] = 24
    # Mattermost (server/public v0.1.20) sets no limit on the number of elements; its
    # developer documentation once said "up to 5". Set this in a subclass to enforce one.
    MAX_ELEMENTS: ClassVar[int | None] = None

    title: str
    callback_id: str | None = None
    introduction_text: str | None = None
    icon_url: str | None = None
    elements: Sequence[DialogElement] = field(default_factory=list)
    submit_label: str | None = None
    notify_on_cancel: bool = False
    state: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return self._build("dialog")

    def _build(self, path: str) -> dict[str, Any]:
        check_required(join(path, "title"), self.title)
        check_max_bytes(
            join(path, "title"), self.title, self.TITLE_MAX, "Mattermost's DialogTitleMaxLength"
        )
        check_http_url(join(path, "icon_url"), self.icon_url)
        elements_path = join(path, "elements")
        if self.MAX_ELEMENTS is not None and len(self.elements) > self.MAX_ELEMENTS:
            raise BuilderError(
                elements_path,
                f"too many elements: {len(self.elements)}, the limit is {self.MAX_ELEMENTS}",
            )
        seen: dict[str, int] = {}
        elements = []
        for i, element in enumerate(self.elements):
            element_path = index(elements_path, i)
            if not isinstance(element, DialogElement):
                raise BuilderError(element_path, f"not a dialog element: {element!r}")
            if element.name in seen:
                raise BuilderError(
                    join(element_path, "name"),
                    f"duplicate element name {element.name!r} "
                    f"(also used by {index(elements_path, seen[element.name])})",
                )
            seen[element.name] = i
            elements.append(element._build(element_path))
        return compact(
            [
                ("callback_id", self.callback_id),
                ("title", self.title),
                ("introduction_text", self.introduction_text),
                ("icon_url", self.icon_url),
                ("elements", elements),
                ("submit_label", self.submit_label),
                ("notify_on_cancel", self.notify_on_cancel),
                ("state", self.state),
            ]
        )


@dataclass(kw_only=True)
class OpenDialogRequest:
    """Body of ``POST /api/v4/actions/dialogs/open``.

    ``trigger_id`` comes from the slash-command or action request that the dialog
    answers (valid for a few seconds); ``url`` receives the submission.
    """

    trigger_id: str
    url: str
    dialog: Dialog

    def to_dict(self) -> dict[str, Any]:
        # OpenDialogRequest.IsValid: URL and trigger id must not be empty.
        check_required("trigger_id", self.trigger_id)
        check_required("url", self.url)
        if not self.url.startswith(("/plugins/", "plugins/")):
            check_http_url("url", self.url)
        return {
            "trigger_id": self.trigger_id,
            "url": self.url,
            "dialog": self.dialog._build("dialog"),
        }

    def to_body(self) -> OpenInteractiveDialogBody:
        """The validated request as the generated model
        ``mm.integration_actions.open_interactive_dialog(body=...)`` takes."""
        from mattermost_api.models.open_interactive_dialog_body import (
            OpenInteractiveDialogBody,
        )

        return OpenInteractiveDialogBody.from_dict(self.to_dict())


class DialogResponseType(StrEnum):
    """``type`` of a dialog submission response (model.SubmitDialogResponseType)."""

    #: Close the dialog (same as leaving ``type`` out).
    OK = "ok"
    #: Replace the dialog with ``form`` (multi-step dialogs).
    FORM = "form"
    NAVIGATE = "navigate"


@dataclass(kw_only=True)
class DialogSubmissionResponse:
    """What an integration answers to a dialog submission.

    ``errors`` maps element names to messages shown under those elements and keeps the
    dialog open; ``error`` is a message for the whole dialog. An empty response (no
    fields) closes the dialog. ``type="form"`` with ``form`` replaces the dialog.
    """

    errors: Mapping[str, str] | None = None
    error: str | None = None
    type: DialogResponseType | str | None = None
    form: Dialog | None = None

    def to_dict(self) -> dict[str, Any]:
        if self.errors is not None:
            for key, message in self.errors.items():
                if not isinstance(key, str) or not key:
                    raise BuilderError("errors", f"keys must be element names, got {key!r}")
                if not isinstance(message, str) or not message:
                    raise BuilderError(f"errors[{key!r}]", "must be a non-empty message")
        kind = str(self.type) if self.type else None
        check_choice("type", kind, [str(t) for t in DialogResponseType])
        has_errors = bool(self.errors) or bool(self.error)
        # SubmitDialogResponse.IsValid: a form is required for type "form" and not
        # allowed for the other types (ignored when errors are present).
        if not has_errors:
            if kind == DialogResponseType.FORM and self.form is None:
                raise BuilderError("form", "is required with type 'form'")
            if kind != DialogResponseType.FORM and self.form is not None:
                raise BuilderError("form", "is only allowed with type 'form'")
        form = self.form._build("form") if self.form is not None else None
        return compact(
            [
                ("error", self.error),
                ("errors", dict(self.errors) if self.errors else None),
                ("type", kind),
                ("form", form),
            ]
        )

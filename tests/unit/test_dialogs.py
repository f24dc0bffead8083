"""Interactive dialogs: golden dicts and one failing case per rule."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from mattermost_ext.attachments import ActionOption
from mattermost_ext.dialogs import (
    BoolElement,
    BuilderError,
    DateElement,
    DateTimeElement,
    Dialog,
    DialogResponseType,
    DialogSubmissionResponse,
    OpenDialogRequest,
    RadioElement,
    SelectDataSource,
    SelectElement,
    TextareaElement,
    TextElement,
    TextSubtype,
)

URL = "https://integration.example.com/dialog"
OPTS = [ActionOption(text="Low", value="low"), ActionOption(text="High", value="high")]


def _fails(fn: Any, path: str, *fragments: str) -> None:
    with pytest.raises(BuilderError) as info:
        fn()
    assert info.value.path == path, str(info.value)
    for fragment in fragments:
        assert fragment in info.value.reason, info.value.reason


def test_limits_mirror_mattermost() -> None:
    assert Dialog.TITLE_MAX == 24  # DialogTitleMaxLength
    assert TextElement.DISPLAY_NAME_MAX == 24  # DialogElementDisplayNameMaxLength
    assert TextElement.NAME_MAX == 300  # DialogElementNameMaxLength
    assert TextElement.HELP_TEXT_MAX == 150  # DialogElementHelpTextMaxLength
    assert TextElement.VALUE_MAX == 150  # DialogElementTextMaxLength
    assert TextareaElement.VALUE_MAX == 3000  # DialogElementTextareaMaxLength
    assert SelectElement.VALUE_MAX == 3000  # DialogElementSelectMaxLength
    assert BoolElement.VALUE_MAX == 150  # DialogElementBoolMaxLength


def test_open_dialog_golden() -> None:
    request = OpenDialogRequest(
        trigger_id="trigger-1",
        url=URL,
        dialog=Dialog(
            callback_id="ticket",
            title="New ticket",
            introduction_text="Tell us **what** broke",
            icon_url="https://integration.example.com/icon.png",
            submit_label="Create",
            notify_on_cancel=True,
            state="s1",
            elements=[
                TextElement(
                    display_name="Email",
                    name="email",
                    subtype=TextSubtype.EMAIL,
                    placeholder="you@example.com",
                    help_text="We reply here",
                    min_length=3,
                    max_length=100,
                ),
                TextareaElement(
                    display_name="Details", name="details", optional=True, default="It broke"
                ),
                SelectElement(display_name="Priority", name="prio", options=OPTS, default="low"),
                SelectElement(
                    display_name="Owner", name="owner", data_source=SelectDataSource.USERS
                ),
                SelectElement(
                    display_name="Labels",
                    name="labels",
                    options=OPTS,
                    multiselect=True,
                    default="low, high",
                ),
                SelectElement(
                    display_name="Project",
                    name="project",
                    data_source="dynamic",
                    data_source_url="/plugins/com.example/lookup",
                ),
                BoolElement(
                    display_name="Urgent", name="urgent", default=False, placeholder="Page now"
                ),
                RadioElement(display_name="Impact", name="impact", options=OPTS, default="high"),
            ],
        ),
    )
    assert request.to_dict() == {
        "trigger_id": "trigger-1",
        "url": URL,
        "dialog": {
            "callback_id": "ticket",
            "title": "New ticket",
            "introduction_text": "Tell us **what** broke",
            "icon_url": "https://integration.example.com/icon.png",
            "submit_label": "Create",
            "notify_on_cancel": True,
            "state": "s1",
            "elements": [
                {
                    "display_name": "Email",
                    "name": "email",
                    "type": "text",
                    "subtype": "email",
                    "placeholder": "you@example.com",
                    "help_text": "We reply here",
                    "min_length": 3,
                    "max_length": 100,
                },
                {
                    "display_name": "Details",
                    "name": "details",
                    "type": "textarea",
                    "optional": True,
                    "default": "It broke",
                },
                {
                    "display_name": "Priority",
                    "name": "prio",
                    "type": "select",
                    "options": [
                        {"text": "Low", "value": "low"},
                        {"text": "High", "value": "high"},
                    ],
                    "default": "low",
                },
                {
                    "display_name": "Owner",
                    "name": "owner",
                    "type": "select",
                    "data_source": "users",
                },
                {
                    "display_name": "Labels",
                    "name": "labels",
                    "type": "select",
                    "options": [
                        {"text": "Low", "value": "low"},
                        {"text": "High", "value": "high"},
                    ],
                    "default": "low, high",
                    "multiselect": True,
                },
                {
                    "display_name": "Project",
                    "name": "project",
                    "type": "select",
                    "data_source": "dynamic",
                    "data_source_url": "/plugins/com.example/lookup",
                },
                {
                    "display_name": "Urgent",
                    "name": "urgent",
                    "type": "bool",
                    "default": "false",
                    "placeholder": "Page now",
                },
                {
                    "display_name": "Impact",
                    "name": "impact",
                    "type": "radio",
                    "options": [
                        {"text": "Low", "value": "low"},
                        {"text": "High", "value": "high"},
                    ],
                    "default": "high",
                },
            ],
        },
    }


def test_confirmation_dialog_minimal() -> None:
    assert Dialog(title="Sure?").to_dict() == {"title": "Sure?"}


def test_submission_response_golden() -> None:
    assert DialogSubmissionResponse().to_dict() == {}
    assert DialogSubmissionResponse(
        errors={"email": "Not a company address"}, error="Please fix the form"
    ).to_dict() == {"errors": {"email": "Not a company address"}, "error": "Please fix the form"}
    step2 = Dialog(title="Step 2", elements=[TextElement(display_name="Why", name="why")])
    assert DialogSubmissionResponse(type=DialogResponseType.FORM, form=step2).to_dict() == {
        "type": "form",
        "form": {
            "title": "Step 2",
            "elements": [{"display_name": "Why", "name": "why", "type": "text"}],
        },
    }


# ------------------------------------------------------------------ validation rules


def test_duplicate_element_name() -> None:
    dialog = Dialog(
        title="T",
        elements=[
            TextElement(display_name="A", name="a"),
            TextElement(display_name="B", name="b"),
            BoolElement(display_name="A again", name="a"),
        ],
    )
    _fails(dialog.to_dict, "dialog.elements[2].name", "duplicate element name 'a'", "elements[0]")


def test_too_many_elements_when_a_limit_is_set() -> None:
    class FiveMax(Dialog):
        MAX_ELEMENTS: ClassVar[int | None] = 5

    elements = [TextElement(display_name=f"F{i}", name=f"f{i}") for i in range(6)]
    _fails(FiveMax(title="T", elements=elements).to_dict, "dialog.elements", "too many", "5")
    # Mattermost itself sets no count limit.
    assert len(Dialog(title="T", elements=elements).to_dict()["elements"]) == 6


def test_title_rules() -> None:
    _fails(Dialog(title="").to_dict, "dialog.title", "is required")
    _fails(Dialog(title="x" * 25).to_dict, "dialog.title", "limit of 24", "DialogTitleMaxLength")
    # Mattermost counts bytes (Go len): 13 two-byte characters are 26 bytes.
    _fails(Dialog(title="é" * 13).to_dict, "dialog.title", "26 bytes")
    Dialog(title="é" * 12).to_dict()


def test_icon_url() -> None:
    _fails(Dialog(title="T", icon_url="icon.png").to_dict, "dialog.icon_url", "http")


def test_element_name_rules() -> None:
    _fails(TextElement(display_name="", name="n").to_dict, "element.display_name", "required")
    _fails(TextElement(display_name="D", name="").to_dict, "element.name", "required")
    _fails(
        TextElement(display_name="D" * 25, name="n").to_dict,
        "element.display_name",
        "DialogElementDisplayNameMaxLength",
    )
    _fails(
        TextElement(display_name="D", name="n" * 301).to_dict,
        "element.name",
        "DialogElementNameMaxLength",
    )
    _fails(
        TextElement(display_name="D", name="n", help_text="h" * 151).to_dict,
        "element.help_text",
        "DialogElementHelpTextMaxLength",
    )


def test_text_value_limits() -> None:
    _fails(
        TextElement(display_name="D", name="n", default="x" * 151).to_dict,
        "element.default",
        "DialogElementTextMaxLength",
    )
    _fails(
        TextElement(display_name="D", name="n", placeholder="x" * 151).to_dict,
        "element.placeholder",
        "limit of 150",
    )
    TextareaElement(display_name="D", name="n", default="x" * 3000).to_dict()
    _fails(
        TextareaElement(display_name="D", name="n", default="x" * 3001).to_dict,
        "element.default",
        "DialogElementTextareaMaxLength",
    )
    _fails(
        SelectElement(
            display_name="D", name="n", data_source="users", placeholder="x" * 3001
        ).to_dict,
        "element.placeholder",
        "DialogElementSelectMaxLength",
    )
    _fails(
        BoolElement(display_name="D", name="n", placeholder="x" * 151).to_dict,
        "element.placeholder",
        "DialogElementBoolMaxLength",
    )


def test_subtype() -> None:
    _fails(
        TextElement(display_name="D", name="n", subtype="date").to_dict,
        "element.subtype",
        "'date'",
    )


def test_min_max_length() -> None:
    _fails(
        TextElement(display_name="D", name="n", min_length=-1).to_dict,
        "element.min_length",
        "negative",
    )
    _fails(
        TextElement(display_name="D", name="n", min_length=10, max_length=5).to_dict,
        "element.min_length",
        "greater than max_length (5)",
    )
    _fails(
        TextElement(display_name="D", name="n", min_length=3).to_dict,
        "element.min_length",
        "max_length to be set",
    )


def test_select_rules() -> None:
    _fails(
        SelectElement(display_name="D", name="n", options=OPTS, data_source="users").to_dict,
        "element.options",
        "cannot have options",
    )
    _fails(
        SelectElement(display_name="D", name="n", data_source="teams").to_dict,
        "element.data_source",
        "'teams'",
    )
    _fails(
        SelectElement(display_name="D", name="n", options=OPTS, default="mid").to_dict,
        "element.default",
        "'mid'",
    )
    _fails(
        SelectElement(
            display_name="D", name="n", options=OPTS, multiselect=True, default="low,mid"
        ).to_dict,
        "element.default",
        "'mid'",
    )
    _fails(
        SelectElement(display_name="D", name="n", data_source="dynamic").to_dict,
        "element.data_source_url",
        "required",
    )
    _fails(
        SelectElement(
            display_name="D", name="n", data_source="dynamic", data_source_url="/plugins/../x"
        ).to_dict,
        "element.data_source_url",
        "'..'",
    )
    _fails(
        SelectElement(
            display_name="D", name="n", data_source="dynamic", data_source_url="lookup"
        ).to_dict,
        "element.data_source_url",
        "http",
    )
    _fails(
        SelectElement(display_name="D", name="n", options=OPTS, data_source_url=URL).to_dict,
        "element.data_source_url",
        "only used",
    )
    _fails(
        Dialog(
            title="T",
            elements=[
                SelectElement(
                    display_name="D",
                    name="n",
                    options=[ActionOption(text="", value="v")],
                )
            ],
        ).to_dict,
        "dialog.elements[0].options[0].text",
        "required",
    )


def test_radio_and_bool_rules() -> None:
    _fails(RadioElement(display_name="D", name="n").to_dict, "element.options", "needs options")
    _fails(
        RadioElement(display_name="D", name="n", options=OPTS, default="mid").to_dict,
        "element.default",
        "'mid'",
    )
    _fails(
        BoolElement(display_name="D", name="n", default="yes").to_dict,  # type: ignore[arg-type]
        "element.default",
        "True, False or None",
    )
    assert BoolElement(display_name="D", name="n", default=True).to_dict()["default"] == "true"


def test_open_request_rules() -> None:
    dialog = Dialog(title="T")
    _fails(OpenDialogRequest(trigger_id="", url=URL, dialog=dialog).to_dict, "trigger_id", "")
    _fails(OpenDialogRequest(trigger_id="t", url="", dialog=dialog).to_dict, "url", "required")
    _fails(OpenDialogRequest(trigger_id="t", url="x/y", dialog=dialog).to_dict, "url", "http")
    assert (
        OpenDialogRequest(trigger_id="t", url="/plugins/p/submit", dialog=dialog).to_dict()["url"]
        == "/plugins/p/submit"
    )


def test_submission_response_rules() -> None:
    _fails(DialogSubmissionResponse(errors={"": "x"}).to_dict, "errors", "element names")
    _fails(DialogSubmissionResponse(errors={"a": ""}).to_dict, "errors['a']", "non-empty")
    _fails(DialogSubmissionResponse(type="close").to_dict, "type", "'close'")
    _fails(DialogSubmissionResponse(type="form").to_dict, "form", "required with type 'form'")
    _fails(
        DialogSubmissionResponse(type="ok", form=Dialog(title="T")).to_dict,
        "form",
        "only allowed",
    )
    _fails(
        DialogSubmissionResponse(type="form", form=Dialog(title="")).to_dict,
        "form.title",
        "required",
    )


def test_date_elements_golden() -> None:
    assert DateElement(
        display_name="Due", name="due", default="+1w", min_date="today", max_date="2030-12-31"
    ).to_dict() == {
        "display_name": "Due",
        "name": "due",
        "type": "date",
        "default": "+1w",
        "min_date": "today",
        "max_date": "2030-12-31",
    }
    assert DateTimeElement(
        display_name="When", name="when", default="2030-01-02T10:30:00Z", time_interval=15
    ).to_dict() == {
        "display_name": "When",
        "name": "when",
        "type": "datetime",
        "default": "2030-01-02T10:30:00Z",
        "time_interval": 15,
    }
    assert DateTimeElement(display_name="W", name="w").to_dict()["time_interval"] == 60
    for ok in ("2030-01-02T10:30", "2030-01-02T10:30:00+02:00", "tomorrow", "-3d"):
        DateTimeElement(display_name="W", name="w", default=ok).to_dict()


def test_date_rules() -> None:
    _fails(
        DateElement(display_name="D", name="n", default="2030-1-2").to_dict,
        "element.default",
        "YYYY-MM-DD",
    )
    _fails(
        DateElement(display_name="D", name="n", default="2030-01-02T10:00:00Z").to_dict,
        "element.default",
        "invalid date",
    )
    _fails(
        DateElement(display_name="D", name="n", min_date="next week").to_dict,
        "element.min_date",
        "relative",
    )
    _fails(
        DateTimeElement(display_name="D", name="n", default="2030-01-02").to_dict,
        "element.default",
        "invalid datetime",
    )
    for bad in (0, 7, 1441):
        _fails(
            DateTimeElement(display_name="D", name="n", time_interval=bad).to_dict,
            "element.time_interval",
            "divisor of 1440",
        )


def test_select_refresh() -> None:
    element = SelectElement(display_name="D", name="n", options=OPTS, refresh=True)
    assert element.to_dict()["refresh"] is True


def test_open_dialog_request_as_the_generated_body() -> None:
    from mattermost_api.models.open_interactive_dialog_body import OpenInteractiveDialogBody

    request = OpenDialogRequest(
        trigger_id="trigger-1",
        url=URL,
        dialog=Dialog(
            callback_id="c", title="T", elements=[TextElement(display_name="E", name="e")]
        ),
    )
    body = request.to_body()  # what mm.integration_actions.open_interactive_dialog takes
    assert isinstance(body, OpenInteractiveDialogBody)
    assert body.to_dict() == request.to_dict()

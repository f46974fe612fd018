"""Views: the App Home tab and the form modal of an agenda item, and a form's errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.adapters.slack.translate.blocks import mrkdwn, plain_text, text_sections
from bot.adapters.slack.translate.limits import (
    ANSWER_ACTION,
    FORM_ACTION,
    FORM_CALLBACK,
    MAX_CHECKBOXES,
    MAX_INPUT_CHARS,
    MAX_LABEL_CHARS,
    MAX_MODAL_TITLE,
)
from handlers.features.consultations import Window
from handlers.features.forms import FormQuestion, FormResult, ItemForm
from handlers.features.overview import Overview
from handlers.i18n import Translator
from handlers.questions import FieldKind


def home_view(overview: Overview | None, t: Translator, *, how_to_join: str) -> dict[str, Any]:
    """The App Home tab: each consultation, its deadline, each agenda item's progress.

    Args:
        overview: The participant's overview; None for someone not registered yet.
        t: The translator of the overview's language.
        how_to_join: What a stranger is told (the engine's sentence).
    """
    items: list[dict[str, Any]] = [
        {"type": "header", "text": plain_text(t._("Your consultations"), 150)}
    ]
    if overview is None:
        items += text_sections(how_to_join)
    elif not overview.onboarded:
        items += text_sections(
            t._("Please finish the first steps in the Messages tab of this app.")
        )
    elif not overview.consultations:
        items += text_sections(t._("There is no consultation for you at the moment."))
    for consultation in overview.consultations if overview else ():
        items.append({"type": "divider"})
        items += text_sections(consultation.title)
        items.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": mrkdwn(
                            t._("Deadline: {deadline}", deadline=consultation.deadline_text)
                        ),
                    }
                ],
            }
        )
        for item in consultation.items:
            section: dict[str, Any] = {
                "type": "section",
                "block_id": f"item-{item.item_id}",
                "text": {
                    "type": "mrkdwn",
                    "text": mrkdwn(f"{item.heading}\n{item.progress_text}"),
                },
            }
            if consultation.window == Window.OPEN:
                section["accessory"] = {
                    "type": "button",
                    "action_id": FORM_ACTION,
                    "text": plain_text(t._("Answer in a form")),
                    "value": str(item.item_id),
                }
            items.append(section)
    return {"type": "home", "blocks": items[:100]}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": plain_text(label), "value": value}


def _element(question: FormQuestion) -> dict[str, Any] | None:
    """The Block Kit element of a form field; None for a document, sent in the DM."""
    current = question.current
    match question.element:
        case FieldKind.TEXT:
            element: dict[str, Any] = {
                "type": "plain_text_input",
                "action_id": ANSWER_ACTION,
                "multiline": True,
                "max_length": min(question.max_length, MAX_INPUT_CHARS),
            }
            if isinstance(current, str):
                element["initial_value"] = current[:MAX_INPUT_CHARS]
            return element
        case FieldKind.ONE:
            options = [_option(c.id, c.label) for c in question.choices]
            kind = "radio_buttons" if len(options) <= MAX_CHECKBOXES else "static_select"
            element = {"type": kind, "action_id": ANSWER_ACTION, "options": options}
            chosen = [o for o in options if o["value"] == current]
            if chosen:
                element["initial_option"] = chosen[0]
            return element
        case FieldKind.SEVERAL:
            options = [_option(c.id, c.label) for c in question.choices]
            kind = "checkboxes" if len(options) <= MAX_CHECKBOXES else "multi_static_select"
            element = {"type": kind, "action_id": ANSWER_ACTION, "options": options}
            chosen = [o for o in options if isinstance(current, tuple) and o["value"] in current]
            if chosen:
                element["initial_options"] = chosen
            return element
        case FieldKind.NUMBER:
            element = {
                "type": "number_input",
                "action_id": ANSWER_ACTION,
                "is_decimal_allowed": question.decimals > 0,
            }
            for key, value in (("min_value", question.minimum), ("max_value", question.maximum)):
                if value is not None:
                    element[key] = value
            if isinstance(current, str):
                element["initial_value"] = current
            return element
        case FieldKind.DATE:
            element = {"type": "datepicker", "action_id": ANSWER_ACTION}
            if isinstance(current, str):
                element["initial_date"] = current
            return element
        case FieldKind.FILE:
            return None


def form_view(form: ItemForm, t: Translator) -> dict[str, Any]:
    """The modal with every question of an agenda item as an input block.

    Every input is optional: what is left empty stays as it was, so a form can be saved
    half-done as a draft. A document question points to the DM, where files are sent.
    """
    items: list[dict[str, Any]] = text_sections(form.heading)
    for question in form.questions:
        element = _element(question) if form.editable else None
        label = question.text + ("" if not question.required else " *")
        if element is None:
            note = (
                t._("Send the document as a file in our direct messages.")
                if question.element == FieldKind.FILE and form.editable
                else t._("Submissions for this consultation are closed; nothing was changed.")
            )
            items += text_sections(label)
            items.append(
                {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn(note)}]}
            )
            continue
        block: dict[str, Any] = {
            "type": "input",
            "block_id": f"q{question.id}",
            "optional": True,
            "label": plain_text(label, MAX_LABEL_CHARS),
            "element": element,
        }
        hint = " ".join(part for part in (question.help, question.hint) if part)
        if hint:
            block["hint"] = plain_text(hint, MAX_LABEL_CHARS)
        items.append(block)
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": FORM_CALLBACK,
        "private_metadata": str(form.item_id),
        "title": plain_text(t._("Agenda item {number}", number=form.number), MAX_MODAL_TITLE),
        "close": plain_text(t._("Cancel"), MAX_MODAL_TITLE),
        "blocks": items[:100],
    }
    if form.editable:
        view["submit"] = plain_text(t._("Save"), MAX_MODAL_TITLE)
    return view


def form_errors(result: FormResult, view: Mapping[str, Any]) -> dict[str, str]:
    """The `response_action: errors` map of a form: each message under its input block.

    A problem with the whole form (closed, not registered) is shown under the first input.
    """
    errors = {f"q{question_id}": reason for question_id, reason in result.errors.items()}
    if result.problem:
        first = next(
            (
                b["block_id"]
                for b in view.get("blocks") or []
                if b.get("type") == "input" and isinstance(b.get("block_id"), str)
            ),
            None,
        )
        if first is not None:
            errors[first] = result.problem
    return errors

"""Block Kit out: the engine's replies as Web API calls, mrkdwn escaped and cut to Slack's
limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.adapters import drawn_label
from bot.adapters.sending import ApiCall
from bot.adapters.slack.translate.limits import (
    BUTTON_ACTION,
    FORM_ACTION,
    FORM_ICON,
    MAX_ACTIONS_PER_BLOCK,
    MAX_BLOCKS,
    MAX_BUTTON_CHARS,
    MAX_CHECKBOXES,
    MAX_OPTION_VALUE,
    MAX_SECTION_CHARS,
    TOGGLE_ACTION,
)
from handlers.events import Button, ChoiceGroup, Reply


def escape(text: str) -> str:
    """Text safe for Slack's mrkdwn: `&`, `<` and `>` escaped, as Slack documents."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain_text(text: str, limit: int = MAX_BUTTON_CHARS) -> dict[str, Any]:
    cut = text if len(text) <= limit else text[: limit - 1] + "…"
    return {"type": "plain_text", "text": cut or "·", "emoji": True}


def _entity_safe(text: str, cut: int) -> int:
    """`cut`, or the start of the escape entity (`&amp;`, `&lt;`, `&gt;`) it would split."""
    start = text.rfind("&", max(0, cut - len("&amp;") + 1), cut)
    if start > 0 and text.find(";", start, cut) == -1:
        return start
    return cut


def split_text(text: str, limit: int = MAX_SECTION_CHARS) -> list[str]:
    """Split text into parts of at most `limit` characters, at line breaks when possible.

    The text may already be escaped: a part never ends inside an escape entity, so each
    part unescapes to what was written.
    """
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = _entity_safe(rest, limit)
        parts.append(rest[:cut])
        rest = rest[cut:].lstrip("\n ")
    parts.append(rest)
    return [p for p in parts if p.strip()]


def mrkdwn(text: str, limit: int = MAX_SECTION_CHARS) -> str:
    """Text escaped for mrkdwn, then cut to `limit` characters (with "…") outside any entity."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    return escaped[: _entity_safe(escaped, limit - 1)] + "…"


def text_sections(text: str) -> list[dict[str, Any]]:
    # Escaping lengthens the text (an "&" is five characters), so escape first, then split
    # what Slack will count.
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": part, "verbatim": True}}
        for part in split_text(escape(text), MAX_SECTION_CHARS)
    ]


def _button(button: Button, index: int) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": f"{BUTTON_ACTION}:{index}",
        "text": plain_text(drawn_label(button)),
        "value": button.payload,
    }


def _checkboxes(group: ChoiceGroup | None) -> dict[str, Any] | None:
    """A choice group of several as one checkboxes element, its chosen options ticked; None
    when it is shown as buttons (too many options, or values too long for a checkbox)."""
    if group is None or not group.several or not 0 < len(group.options) <= MAX_CHECKBOXES:
        return None
    if any(len(b.payload) > MAX_OPTION_VALUE for b in group.options):
        return None  # shown as buttons, which carry it
    options = [
        {"text": plain_text(b.label, MAX_BUTTON_CHARS), "value": b.payload} for b in group.options
    ]
    element: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": TOGGLE_ACTION,
        "options": options,
    }
    checked = [o for o, b in zip(options, group.options, strict=True) if b.selected]
    if checked:
        element["initial_options"] = checked
    return {"type": "actions", "block_id": f"{TOGGLE_ACTION}-{group.key}", "elements": [element]}


def _actions(rows: list[list[Button]]) -> list[dict[str, Any]]:
    """One actions block per row of buttons; an agenda item's gets its form button beside it."""
    index = 0
    actions: list[dict[str, Any]] = []
    for number, row in enumerate(r for r in rows if r):
        elements = []
        for button in row:
            elements.append(_button(button, index))
            index += 1
            if button.form is not None:
                elements.append(
                    {
                        "type": "button",
                        "action_id": FORM_ACTION,
                        "text": plain_text(f"{FORM_ICON} {button.label}"),
                        "value": str(button.form),
                    }
                )
        actions.append({"type": "actions", "block_id": f"row-{number}", "elements": elements})
    if len(actions) > MAX_BLOCKS:  # too many rows for one message: pack them 25 to a block
        flat = [element for block in actions for element in block["elements"]]
        actions = [
            {
                "type": "actions",
                "block_id": f"row-{n}",
                "elements": flat[start : start + MAX_ACTIONS_PER_BLOCK],
            }
            for n, start in enumerate(range(0, len(flat), MAX_ACTIONS_PER_BLOCK))
        ]
    return actions


def messages(reply: Reply) -> list[list[dict[str, Any]]]:
    """The Block Kit blocks of one reply, as one or more messages of at most 50 blocks.

    The text comes first, as sections; then the buttons: each row of buttons is an actions
    block, a choice group of several becomes one checkboxes element followed by its confirm
    button, a button that opens an agenda item gets an "Answer in a form" button beside it.
    A text too long for one message continues in the next; the buttons stay together, in
    the last.
    """
    sections = text_sections(reply.text) if reply.text.strip() else []
    rows = [list(row) for row in reply.buttons]
    group = reply.choices
    checkboxes = _checkboxes(group)
    controls: list[dict[str, Any]] = []
    if checkboxes is not None and group is not None:
        # The confirm button comes right after its checkboxes: that is how a press of it is
        # told from the others when Slack sends the message back (`from_action`).
        controls.append(checkboxes)
        drawn = {*group.options, group.confirm}
        rows = [[group.confirm], *([b for b in row if b not in drawn] for row in rows)]
    controls += _actions(rows)
    chunks = [sections[start : start + MAX_BLOCKS] for start in range(0, len(sections), MAX_BLOCKS)]
    if chunks and len(chunks[-1]) + len(controls) <= MAX_BLOCKS:
        chunks[-1] = chunks[-1] + controls
    elif controls:
        chunks.append(controls)
    return chunks


def blocks(reply: Reply) -> list[dict[str, Any]]:
    """The Block Kit blocks of a reply that fits one message (see `messages`)."""
    return [block for message in messages(reply) for block in message]


def _fallback(blocks: Sequence[Mapping[str, Any]], text: str) -> str:
    # The notification text: the message's first section, else the reply's text.
    for block in blocks:
        if block.get("type") == "section":
            return str(block["text"]["text"])
    return mrkdwn(text) or "·"


def to_calls(
    replies: Sequence[Reply], *, channel: str, update_ts: str | None = None
) -> list[ApiCall]:
    """The Web API calls that show `replies` in a DM.

    Args:
        replies: The engine's replies, in order.
        channel: The DM channel id.
        update_ts: The message whose button was pressed; a reply that replaces the previous
            one updates it (chat.update) instead of posting anew.

    Returns:
        chat.postMessage, chat.update and files.uploadV2 calls, in order; a reply longer
        than one message is several, the first of which may be the update.
    """
    calls: list[ApiCall] = []
    for reply in replies:
        if reply.document is not None:
            calls.append(
                ApiCall(
                    "files.uploadV2",
                    {
                        "channel": channel,
                        "filename": reply.document.filename,
                        "title": reply.document.filename,
                        "initial_comment": escape(reply.text),
                    },
                    reply.document,
                )
            )
            continue
        for shown in messages(reply):
            params = {"channel": channel, "text": _fallback(shown, reply.text), "blocks": shown}
            if reply.replace_previous and update_ts is not None:
                # Too old to update, or deleted: then the new state is posted anew.
                anew = ApiCall("chat.postMessage", params)
                calls.append(ApiCall("chat.update", {**params, "ts": update_ts}, instead=anew))
                update_ts = None
            else:
                calls.append(ApiCall("chat.postMessage", params))
    return calls

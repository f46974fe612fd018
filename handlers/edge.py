"""What every event passes first: the platform's strings made storable, ids checked."""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from handlers.events import Inbound
from handlers.features.forms import FormValue
from handlers.text import clean_name, storable

_DIRECTION_MARKS = dict.fromkeys([0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


MAX_ID_CHARS = 100
"""The longest platform user, chat or update id kept (the columns' width); a longer one is
not a platform's."""


def at_the_edge(event: Inbound) -> tuple[Inbound | None, bool]:
    """The event as the engine may store it, and whether its text lost characters.

    Everything a platform sends passes here first: NUL, the other control characters and
    lone surrogates are removed from every string (PostgreSQL refuses NUL, no driver encodes
    a lone surrogate, and a failed update would come back at every redelivery); a display
    name loses its direction and invisible characters (`clean_name`); a locale or time zone
    that is no such thing is dropped. None for an event whose ids no platform would send.
    """
    ids = [storable(value).text for value in (event.user_id, event.chat_id)]
    update_id = storable(event.update_id).text if event.update_id is not None else None
    if any(not 0 < len(i) <= MAX_ID_CHARS for i in ids) or (
        update_id is not None and not 0 < len(update_id) <= MAX_ID_CHARS
    ):
        return None, False
    text = storable(event.text) if event.text is not None else None
    document = event.document
    if document is not None:
        document = replace(document, filename=clean_name(document.filename))
    name = clean_name(event.display_name)[:200] if event.display_name else None
    return (
        replace(
            event,
            user_id=ids[0],
            chat_id=ids[1],
            update_id=update_id,
            text=text.text if text is not None else None,
            payload=storable(event.payload).text if event.payload is not None else None,
            document=document,
            unsupported=storable(event.unsupported).text[:40] if event.unsupported else None,
            locale=_locale(event.locale),
            display_name=name or None,
            timezone=_zone_name(event.timezone),
        ),
        text is not None and text.changed,
    )


def storable_value(value: FormValue) -> FormValue:
    if value is None:
        return None
    if isinstance(value, str):
        return storable(value).text
    return [storable(item).text for item in value]


def _locale(value: str | None) -> str | None:
    if not value:
        return None
    value = storable(value).text
    return value if len(value) <= 16 and value.replace("-", "").replace("_", "").isalnum() else None


def _zone_name(value: str | None) -> str | None:
    if not value or len(value) > 64:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return value


def without_direction_marks(text: str) -> str:
    """Text without the invisible direction marks that copying from Arabic text carries."""
    return text.translate(_DIRECTION_MARKS).strip()

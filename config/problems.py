"""Pydantic's validation errors as `Problem`s an officer can act on, and the data without the
unknown keys they name (so that the checks which need the rest can still run)."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

from config.errors import Problem

GUIDE = "docs/consultations.md"
"""Where every key of a consultation file is described, with an example per question type."""

_ERROR_FIXES: dict[str, str] = {
    "missing": "add it",
    "string_too_short": "give a non-empty text",
    "too_short": "give at least one entry",
    "int_parsing": "give a whole number",
    "bool_parsing": "write true or false",
    "datetime_from_date_parsing": "write a date and time such as 2027-03-31T23:59",
    "datetime_parsing": "write a date and time such as 2027-03-31T23:59",
    "date_from_datetime_parsing": "write a date such as 2027-06-14",
    "date_parsing": "write a date such as 2027-06-14",
    "enum": "use one of the allowed values",
    "string_type": 'write it as text in quotes, e.g. "2"',
    "model_type": "give a mapping of keys to values here",
    "list_type": "give a list here",
}

_SECTIONS = (
    ("questions", "questions"),
    ("choices", "questions"),
    ("panels", "agenda-items"),
    ("agenda_items", "agenda-items"),
    ("digest", "digest"),
    ("reminders", "reminders"),
    ("dialogue", "dialogue"),
)
"""Which section of the guide describes a location (the innermost key that names one)."""


def guide(path: str) -> str:
    """The section of the guide that describes the key at `path`."""
    for key, section in _SECTIONS:
        if key in path:
            return f"{GUIDE}#{section}"
    return f"{GUIDE}#the-file"


def format_location(loc: Iterable[int | str]) -> str:
    """A pydantic location as the file's path to it: `agenda_items[2].questions[0].choices`."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def _location(error: Any) -> list[int | str]:
    return [p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-"))]


def pydantic_problems(source: str, exc: ValidationError) -> list[Problem]:
    """Every error pydantic found, with its location in the file and a fix."""
    problems = []
    for error in exc.errors():
        path = format_location(_location(error))
        if error["type"] == "extra_forbidden":
            message = "unknown key"
            fix = f"remove it, or check its spelling against {guide(path)}"
        else:
            message = error["msg"]
            fix = _ERROR_FIXES.get(error["type"], "correct the value")
            if error["type"] == "missing":
                fix = f"add it (see {guide(path)})"
        problems.append(Problem(source=source, path=path, message=message, fix=fix))
    return problems


def without_unknown_keys(data: Any, exc: ValidationError) -> Any:
    """A copy of `data` without the unknown keys `exc` names: what is left of it is checked
    as if they had not been written, so one run reports every problem."""
    pruned = copy.deepcopy(data)
    for error in exc.errors():
        if error["type"] == "extra_forbidden":
            _remove(pruned, _location(error))
    return pruned


def _remove(node: Any, loc: Sequence[int | str]) -> None:
    for part in loc[:-1]:
        found = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        )
        if not found:
            return
        node = node[part]
    if isinstance(node, dict) and loc:
        node.pop(loc[-1], None)

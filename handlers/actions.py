"""What a button asks for: one typed action per kind of button; a payload is its wire form.

A payload is `name:arg:…` (at most 64 bytes, Telegram's `callback_data` limit) and is built
and read only here. Steps receive `Action` values and match on their types and fields; a
payload that does not parse into one — malformed, forged, or from a version that no longer
has that button — is no action, and the step says the button is no longer active.

A field is an `int` (a positive id), a `str` (an id or token, without `:`), a `bool`
(`yes`/`no`) or a `StrEnum` (one of its values); nothing else is needed and nothing else is
accepted.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, TypeVar

from storage.models import Category, Credit, Gender

MAX_PAYLOAD = 64
"""Telegram's limit for `callback_data`, the smallest of the channels' limits, in bytes."""

_SEPARATOR = ":"
_MAX_INT_DIGITS = 12


@dataclass(frozen=True)
class Action:
    """A button's meaning. Subclasses are frozen dataclasses registered with `@action(name)`."""

    name: ClassVar[str] = ""

    def payload(self) -> str:
        """The wire form, sent back unchanged by every channel."""
        parts = [self.name, *(_encode(getattr(self, f.name)) for f in dataclasses.fields(self))]
        raw = _SEPARATOR.join(parts)
        if len(raw.encode()) > MAX_PAYLOAD:
            raise ValueError(f"a payload over {MAX_PAYLOAD} bytes: {raw!r}")
        return raw


A = TypeVar("A", bound=Action)

_KINDS: dict[str, type[Action]] = {}


def action(name: str) -> Callable[[type[A]], type[A]]:
    """Register an action under `name` (one or two `:`-separated words, unique as a prefix)."""

    def register(cls: type[A]) -> type[A]:
        for known in _KINDS:
            if known == name or f"{name}:".startswith(f"{known}:") or known.startswith(name + ":"):
                raise ValueError(f"action name {name!r} collides with {known!r}")
        cls.name = name
        _KINDS[name] = cls
        return cls

    return register


def parse(raw: str | None) -> Action | None:
    """The action a payload names, or None when it names none (or names one wrongly)."""
    if not raw or len(raw.encode()) > MAX_PAYLOAD or not raw.isprintable():
        return None
    parts = raw.split(_SEPARATOR)
    for words in (1, 2):
        cls = _KINDS.get(_SEPARATOR.join(parts[:words]))
        if cls is not None:
            return _build(cls, parts[words:])
    return None


def _build(cls: type[Action], args: list[str]) -> Action | None:
    fields = dataclasses.fields(cls)
    if len(args) != len(fields):
        return None
    hints = _hints(cls)
    values = {}
    for field, text in zip(fields, args, strict=True):
        value = _decode(hints[field.name], text)
        if value is None:
            return None
        values[field.name] = value
    return cls(**values)


_HINTS: dict[type[Action], dict[str, Any]] = {}


def _hints(cls: type[Action]) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _encode(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    if not text or _SEPARATOR in text:
        raise ValueError(f"a payload argument must be non-empty and without ':': {text!r}")
    return text


def _decode(kind: Any, text: str) -> object | None:
    if kind is bool:
        return {"yes": True, "no": False}.get(text)
    if kind is int:
        ok = text.isascii() and text.isdigit() and len(text) <= _MAX_INT_DIGITS
        return int(text) if ok and int(text) > 0 else None
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return kind(text) if text in kind.__members__.values() else None
    if kind is str:
        return text or None
    raise TypeError(f"an action field of unsupported type {kind!r}")


# The onboarding.


@action("lang")
@dataclass(frozen=True)
class ChooseLanguage(Action):
    """The interface language, by its code."""

    language: str


@dataclass(frozen=True)
class Decision(Action):
    """A question answered yes or no (each such step has its own subclass)."""

    yes: bool


@action("consent")
@dataclass(frozen=True)
class ConsentDecision(Decision):
    """Consent to processing."""


@action("pub")
@dataclass(frozen=True)
class PublicationDecision(Decision):
    """Consent to publication of written comments."""


@action("forget")
@dataclass(frozen=True)
class ForgetDecision(Decision):
    """Erasure confirmed or called off."""


@action("credit")
@dataclass(frozen=True)
class ChooseCredit(Action):
    """How published comments are credited."""

    credit: Credit


@action("credit_name:keep")
@dataclass(frozen=True)
class KeepDisplayName(Action):
    """Keep the name the platform gave for published comments."""


class ProfileTarget(StrEnum):
    """What the profile step's buttons lead to."""

    OK = "ok"
    NAME = "name"
    CATEGORY = "category"
    COUNTRY = "country"
    BACK = "back"


@action("profile")
@dataclass(frozen=True)
class Profile(Action):
    """The organisation profile confirmed, a field to change, or back to the profile."""

    target: ProfileTarget


@action("category")
@dataclass(frozen=True)
class ChooseCategory(Action):
    """The organisation's category."""

    category: Category


@action("gender")
@dataclass(frozen=True)
class ChooseGender(Action):
    """The respondent's gender, or that they would rather not say."""

    gender: Gender


# Consultations and agenda items.


@action("home")
@dataclass(frozen=True)
class Home(Action):
    """Back to the list of consultations."""


@action("cons")
@dataclass(frozen=True)
class OpenConsultation(Action):
    """A consultation's agenda items."""

    consultation: str


@action("item")
@dataclass(frozen=True)
class OpenItem(Action):
    """An agenda item of the consultation shown."""

    item: int


@action("resume")
@dataclass(frozen=True)
class Resume(Action):
    """A reminder's button: an agenda item, from any step once onboarding is done."""

    item: int


@action("agenda")
@dataclass(frozen=True)
class BackToAgenda(Action):
    """From the review back to the agenda items."""


@action("submit")
@dataclass(frozen=True)
class Submit(Action):
    """Submit the agenda item reviewed."""

    item: int


@action("edit")
@dataclass(frozen=True)
class Edit(Action):
    """From the review, change one answer."""

    question: int


# A question. Each carries its question, so a button of another question is stale.


@dataclass(frozen=True)
class OnQuestion(Action):
    """A button of one question."""

    question: int


@action("ans")
@dataclass(frozen=True)
class Answer(OnQuestion):
    """An answer given by a button: a choice's id, a scale point, yes or no."""

    value: str


@action("tog")
@dataclass(frozen=True)
class Toggle(OnQuestion):
    """One option of a multiple choice selected or deselected."""

    choice: str


@action("done")
@dataclass(frozen=True)
class Done(OnQuestion):
    """The selection of a multiple choice is complete."""


@action("back")
@dataclass(frozen=True)
class Back(OnQuestion):
    """The previous question (or the agenda items before the first)."""


@action("keep")
@dataclass(frozen=True)
class Keep(OnQuestion):
    """Keep the current answer and go on."""


@action("skip")
@dataclass(frozen=True)
class Skip(OnQuestion):
    """Leave an optional question unanswered and go on."""


@action("save")
@dataclass(frozen=True)
class SaveAndExit(OnQuestion):
    """Stop here; everything answered is kept."""


@action("cut")
@dataclass(frozen=True)
class KeepFirstPart(OnQuestion):
    """Of a text over the question's limit, keep the first part (cut at a word)."""


@action("file")
@dataclass(frozen=True)
class SendAsFile(OnQuestion):
    """Of a text over the question's limit, get the whole text back as a file."""


# The secretariat's buttons (only an administrator's press is acted on).


@dataclass(frozen=True)
class AdminButton(Action):
    """A button of the secretariat's."""


@action("admin:bc")
@dataclass(frozen=True)
class SendBroadcast(AdminButton):
    """The broadcast previewed, sent."""

    broadcast: str


@action("admin:bcx")
@dataclass(frozen=True)
class CancelBroadcast(AdminButton):
    """The broadcast previewed, called off."""

    broadcast: str

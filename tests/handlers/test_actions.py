"""Button actions: typed values whose wire form is the payload every channel sends back."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from handlers import actions
from handlers.actions import (
    Action,
    Answer,
    BackToAgenda,
    CancelBroadcast,
    ChooseCategory,
    ChooseGender,
    ConsentDecision,
    Done,
    ForgetDecision,
    KeepDisplayName,
    OpenConsultation,
    Profile,
    ProfileTarget,
    Resume,
    SendBroadcast,
    Toggle,
)
from storage.models import Category, Gender

EVERY_KIND = [
    ConsentDecision(yes=True),
    ForgetDecision(yes=False),
    KeepDisplayName(),
    Profile(ProfileTarget.COUNTRY),
    ChooseCategory(Category.PRIVATE_SECTOR),
    ChooseGender(Gender.UNDISCLOSED),
    OpenConsultation("wgic-18-2027"),
    Resume(12),
    BackToAgenda(),
    Answer(7, "option-b"),
    Toggle(7, "c"),
    Done(7),
    SendBroadcast("Zq3_x-9"),
    CancelBroadcast("Zq3_x-9"),
]


@pytest.mark.parametrize("action", EVERY_KIND, ids=lambda a: type(a).__name__)
def test_an_action_comes_back_from_its_payload_as_it_was(action: Action) -> None:
    assert actions.parse(action.payload()) == action


def test_the_wire_form_is_the_one_buttons_already_in_chats_carry() -> None:
    # Buttons sent before this version are still in people's chats: they keep working.
    assert [a.payload() for a in EVERY_KIND] == [
        "consent:yes",
        "forget:no",
        "credit_name:keep",
        "profile:country",
        "category:private_sector",
        "gender:undisclosed",
        "cons:wgic-18-2027",
        "resume:12",
        "agenda",
        "ans:7:option-b",
        "tog:7:c",
        "done:7",
        "admin:bc:Zq3_x-9",
        "admin:bcx:Zq3_x-9",
    ]


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "nothing",  # no such action
        "resume",  # an argument missing
        "resume:12:13",  # one too many
        "resume:0",  # ids are positive
        "resume:-3",
        "resume:١٢",  # Arabic-Indic digits are digits to isdigit(), not ids
        "resume:1234567890123",  # longer than any id
        "consent:maybe",
        "category:government",  # not a category
        "gender:",
        "cons:",
        "admin:bc",
        "admin:delete:all",
        "ans:7:x\n",  # not printable
        "ans:7:" + "x" * 60,  # over 64 bytes
    ],
)
def test_a_payload_that_names_no_action_rightly_is_none(raw: str) -> None:
    assert actions.parse(raw) is None


def test_a_payload_is_refused_when_it_would_not_fit_a_telegram_button() -> None:
    with pytest.raises(ValueError, match="over 64 bytes"):
        Answer(7, "x" * 60).payload()


def test_an_argument_cannot_carry_the_separator() -> None:
    with pytest.raises(ValueError, match="without ':'"):
        OpenConsultation("a:b").payload()


def test_two_actions_cannot_share_a_name_or_hide_behind_a_prefix() -> None:
    @dataclass(frozen=True)
    class Again(Action):
        pass

    for name in ("resume", "admin", "admin:bc", "credit_name:keep:x"):
        with pytest.raises(ValueError, match="collides"):
            actions.action(name)(Again)

"""Free-text answers are tagged with their language, reproducibly."""

from __future__ import annotations

import pytest

from handlers.language import UNDETERMINED, detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Civil society organizations should take part in the working groups.", "en"),
        (
            "Les organisations de la société civile devraient participer aux groupes de travail.",
            "fr",
        ),
        (
            "Las organizaciones de la sociedad civil deberían participar en los grupos de trabajo.",
            "es",
        ),
        ("Организации гражданского общества должны участвовать в рабочих группах.", "ru"),
        ("民间社会组织应参加工作组的会议。", "zh"),
        ("ينبغي أن تشارك منظمات المجتمع المدني في الأفرقة العاملة.", "ar"),
        ("ok", UNDETERMINED),
        ("12345 !!!", UNDETERMINED),
        ("", UNDETERMINED),
    ],
)
def test_language_of_answers(text: str, expected: str) -> None:
    assert detect_language(text).code == expected


def test_detection_is_deterministic() -> None:
    text = "Trust between users and service providers is essential for cooperation."
    assert len({detect_language(text) for _ in range(5)}) == 1
    assert detect_language(text).confidence >= 0.8

"""docs/consultations.md stays true: its examples make a valid consultation, one question of
every type, and every problem's fix points at a section it has."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from config.consultation import QuestionType, parse_consultation
from config.problems import guide

GUIDE = Path(__file__).parents[2] / "docs" / "consultations.md"


def examples() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The guide's question examples, one per type heading, and its other YAML examples."""
    text = GUIDE.read_text(encoding="utf-8")
    per_type = re.findall(r"^### (\w+)\n.*?```yaml\n(.*?)```", text, re.S | re.M)
    assert [heading for heading, _ in per_type] == [kind.value for kind in QuestionType]
    questions = [yaml.safe_load(block)[0] for _, block in per_type]
    others: dict[str, Any] = {}
    for block in re.findall(r"```yaml\n((?:agenda_items|digest):.*?)```", text, re.S):
        others.update(yaml.safe_load(block))
    return questions, others


def test_the_examples_of_the_guide_are_one_valid_consultation() -> None:
    questions, others = examples()
    assert {q["type"] for q in questions} == {kind.value for kind in QuestionType}
    items = [
        *others["agenda_items"],
        {"number": "9", "title": "Every type", "questions": questions},
    ]
    text = yaml.safe_dump(
        {
            "id": "guide-2027",
            "title": "The guide's examples",
            "working_group": "Working Group on International Cooperation",
            "dialogue": {"title": "Dialogue", "date": "2027-06-16"},
            "opens": "2026-11-02T00:00",
            "deadline": "2027-05-31T23:59",
            "agenda_items": items,
            "digest": others["digest"],
        },
        allow_unicode=True,
    )
    consultation = parse_consultation("guide", text)
    assert [q.type for q in consultation.agenda_items[1].questions] == list(QuestionType)


def test_every_fix_points_at_a_section_of_the_guide() -> None:
    headings = re.findall(r"^#+ (.+)$", GUIDE.read_text(encoding="utf-8"), re.M)
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in headings}
    paths = ["colour", "dialogue.venu", "agenda_items[0].colour", "agenda_items[0].questions[1].x",
             "agenda_items[0].questions[0].choices[0].x", "agenda_items[0].panels[0].x",
             "digest.weekly.x", "reminders.x"]  # fmt: skip
    for path in paths:
        assert guide(path).removeprefix("docs/consultations.md#") in anchors, path

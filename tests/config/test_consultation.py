"""Tests of the consultation schema: the bundled files, every validation problem, the loader."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.consultation import (
    Consultation,
    Localized,
    QuestionType,
    load_consultations,
    missing_translations,
    parse_consultation,
)
from config.errors import ConfigError, Problem
from config.settings import BUNDLED_CONSULTATIONS

FIXTURES = Path(__file__).parent.parent / "fixtures" / "consultations"
VALID = FIXTURES / "valid.yaml"
SOURCE = "broken.yaml"

UNKNOWN_KEY_FIX = "remove it, or check its spelling against docs/consultations.md#{}"
CHOICES_FIX = "list the choices, each with an id and a label"
SCALE_MESSAGE = "the scale must go up from scale_min by 1 to 10 steps"
SCALE_FIX = "use for example scale_min: 1 and scale_max: 5"
ID_MESSAGE = "must be lower-case letters, digits, '-', '_' or '.'"


def valid_data() -> dict[str, Any]:
    """The valid fixture as a plain mapping, to break one thing in."""
    data: dict[str, Any] = yaml.safe_load(VALID.read_text(encoding="utf-8"))
    return data


def problems_in(data: dict[str, Any]) -> list[Problem]:
    """The problems `parse_consultation` reports for `data` written as YAML."""
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    with pytest.raises(ConfigError) as caught:
        parse_consultation(SOURCE, text)
    return caught.value.problems


def problems_in_text(text: str, source: str = SOURCE) -> list[Problem]:
    """The problems `parse_consultation` reports for a YAML text."""
    with pytest.raises(ConfigError) as caught:
        parse_consultation(source, text)
    return caught.value.problems


def item(data: dict[str, Any], index: int) -> dict[str, Any]:
    """An agenda item of `data`."""
    found: dict[str, Any] = data["agenda_items"][index]
    return found


def question(data: dict[str, Any], index: int, number: int) -> dict[str, Any]:
    """A question directly under agenda item `index`."""
    found: dict[str, Any] = item(data, index)["questions"][number]
    return found


def grouped(data: dict[str, Any], index: int, group: int, number: int) -> dict[str, Any]:
    """A question inside a question group of agenda item `index`."""
    found: dict[str, Any] = item(data, index)["question_groups"][group]["questions"][number]
    return found


# ---------------------------------------------------------------------------
# The bundled consultations
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled_by_id() -> dict[str, Consultation]:
    """The bundled consultations by id."""
    return {c.id: c for c in load_consultations(BUNDLED_CONSULTATIONS)}


def test_both_bundled_consultations_load(bundled_by_id: dict[str, Consultation]) -> None:
    assert sorted(bundled_by_id) == ["wgic-14-2023", "wgic-18-2027"]


@pytest.mark.parametrize("file", ["wgic-14-2023.yaml", "wgic-18-2027.yaml"])
def test_each_bundled_file_parses_on_its_own(file: str) -> None:
    path = BUNDLED_CONSULTATIONS / file
    consultation = parse_consultation(str(path), path.read_text(encoding="utf-8"))
    assert consultation.id == file.removesuffix(".yaml")


@pytest.mark.parametrize("consultation_id", ["wgic-14-2023", "wgic-18-2027"])
def test_every_question_type_occurs_in_each_bundled_consultation(
    bundled_by_id: dict[str, Consultation], consultation_id: str
) -> None:
    consultation = bundled_by_id[consultation_id]
    types = {q.type for i in consultation.agenda_items for _, q in i.all_questions()}
    # Number and date questions are shown in test consultations of their own
    # (tests/fixtures/consultations/numbers.yaml, dates.yaml): added to the samples, they
    # would change the figures the other tests count on them.
    assert types == set(QuestionType) - {QuestionType.NUMBER, QuestionType.DATE}


@pytest.mark.parametrize("consultation_id", ["wgic-14-2023", "wgic-18-2027"])
def test_bundled_consultations_are_fully_translated(
    bundled_by_id: dict[str, Consultation], consultation_id: str
) -> None:
    assert missing_translations(bundled_by_id[consultation_id]) == {}


def test_2023_has_agenda_items_2_3_4_and_item_3_has_two_question_groups(
    bundled_by_id: dict[str, Consultation],
) -> None:
    consultation = bundled_by_id["wgic-14-2023"]
    assert [i.number for i in consultation.agenda_items] == ["2", "3", "4"]
    item_3 = consultation.agenda_items[1]
    assert len(item_3.question_groups) == 2
    assert item_3.questions == []
    grouped_questions = sum(len(g.questions) for g in item_3.question_groups)
    assert len(item_3.all_questions()) == grouped_questions


# ---------------------------------------------------------------------------
# The valid fixture and localized texts
# ---------------------------------------------------------------------------


def test_valid_fixture_parses() -> None:
    consultation = parse_consultation(str(VALID), VALID.read_text(encoding="utf-8"))
    assert consultation.id == "test-2027"
    assert [i.number for i in consultation.agenda_items] == ["2", "3", "4"]
    assert consultation.reminders.offsets[2].total_seconds() == 3 * 3600
    types = {q.type for i in consultation.agenda_items for _, q in i.all_questions()}
    assert types == set(QuestionType)


def test_all_questions_gives_group_titles_in_order() -> None:
    consultation = parse_consultation(str(VALID), VALID.read_text(encoding="utf-8"))
    listed = [
        (title.en if title else None, q.id)
        for title, q in consultation.agenda_items[1].all_questions()
    ]
    assert listed == [("Sub-panel A", "ai3a-rights"), ("Sub-panel B", "ai3b-practices")]


def test_naive_times_are_read_in_the_dialogue_time_zone() -> None:
    consultation = parse_consultation(str(VALID), VALID.read_text(encoding="utf-8"))
    deadline = consultation.aware(consultation.deadline)
    assert deadline.utcoffset() is not None
    assert deadline.utcoffset().total_seconds() == 2 * 3600  # Vienna in summer


def test_a_plain_string_is_english() -> None:
    consultation = parse_consultation(str(VALID), VALID.read_text(encoding="utf-8"))
    assert consultation.title == Localized(en="Test consultation")
    assert consultation.title.as_dict() == {"en": "Test consultation"}


def test_get_falls_back_to_english() -> None:
    text = Localized(en="Deadline", fr="Date limite", es="")
    assert text.get("fr") == "Date limite"
    assert text.get("ru") == "Deadline"
    assert text.get("es") == "Deadline"
    assert text.get("de") == "Deadline"
    assert text.get("missing") == "Deadline"


def test_missing_lists_languages_not_given() -> None:
    assert Localized(en="Hello").missing() == ["fr", "es", "ru", "zh", "ar"]
    assert Localized(en="Hello", fr="Bonjour", zh="你好").missing() == ["es", "ru", "ar"]
    full = Localized(en="a", fr="b", es="c", ru="d", zh="e", ar="f")
    assert full.missing() == []


def test_missing_translations_counts_texts_per_language() -> None:
    consultation = parse_consultation(str(VALID), VALID.read_text(encoding="utf-8"))
    # 17 texts are English only; short_title and dialogue.title also have French.
    assert missing_translations(consultation) == {
        "fr": 17,
        "es": 19,
        "ru": 19,
        "zh": 19,
        "ar": 19,
    }


# ---------------------------------------------------------------------------
# One problem at a time: exact path, message and fix
# ---------------------------------------------------------------------------

Break = Callable[[dict[str, Any]], None]


def _set(target: Callable[[dict[str, Any]], dict[str, Any]], key: str, value: Any) -> Break:
    def apply(data: dict[str, Any]) -> None:
        target(data)[key] = value

    return apply


def _delete(target: Callable[[dict[str, Any]], dict[str, Any]], key: str) -> Break:
    def apply(data: dict[str, Any]) -> None:
        del target(data)[key]

    return apply


def _root(data: dict[str, Any]) -> dict[str, Any]:
    return data


def _dialogue(data: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = data["dialogue"]
    return found


def _reminders(data: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = data["reminders"]
    return found


def _scale(data: dict[str, Any]) -> dict[str, Any]:
    return question(data, 0, 0)


def _yes_no(data: dict[str, Any]) -> dict[str, Any]:
    return question(data, 0, 1)


def _multi_choice(data: dict[str, Any]) -> dict[str, Any]:
    return grouped(data, 1, 0, 0)


def _text(data: dict[str, Any]) -> dict[str, Any]:
    return grouped(data, 1, 1, 0)


def _choice(data: dict[str, Any]) -> dict[str, Any]:
    return question(data, 2, 0)


def _document(data: dict[str, Any]) -> dict[str, Any]:
    return question(data, 2, 1)


def _both(*breaks: Break) -> Break:
    def apply(data: dict[str, Any]) -> None:
        for one in breaks:
            one(data)

    return apply


TWO_CHOICES = [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]

ONE_PROBLEM: list[Any] = [
    pytest.param(
        _set(_root, "colour", "blue"),
        Problem(SOURCE, "colour", "unknown key", UNKNOWN_KEY_FIX.format("the-file")),
        id="unknown-key-top-level",
    ),
    pytest.param(
        _set(_yes_no, "colour", "blue"),
        Problem(
            SOURCE,
            "agenda_items[0].questions[1].colour",
            "unknown key",
            UNKNOWN_KEY_FIX.format("questions"),
        ),
        id="unknown-key-deep",
    ),
    pytest.param(
        _set(_text, "colour", "blue"),
        Problem(
            SOURCE,
            "agenda_items[1].question_groups[1].questions[0].colour",
            "unknown key",
            UNKNOWN_KEY_FIX.format("questions"),
        ),
        id="unknown-key-in-question-group",
    ),
    pytest.param(
        _set(_root, "title", {"en": "Test", "de": "Prüfung"}),
        Problem(SOURCE, "title.de", "unknown key", UNKNOWN_KEY_FIX.format("the-file")),
        id="unknown-language",
    ),
    pytest.param(
        _delete(_root, "deadline"),
        Problem(
            SOURCE, "deadline", "Field required", "add it (see docs/consultations.md#the-file)"
        ),
        id="missing-deadline",
    ),
    pytest.param(
        _set(_root, "deadline", "2026-12-01T00:00"),
        Problem(
            SOURCE,
            "deadline",
            "the deadline is not after the opening",
            "set deadline later than opens",
        ),
        id="deadline-before-opening",
    ),
    pytest.param(
        _set(_root, "deadline", "2027-01-04T09:00"),
        Problem(
            SOURCE,
            "deadline",
            "the deadline is not after the opening",
            "set deadline later than opens",
        ),
        id="deadline-equal-to-opening",
    ),
    pytest.param(
        _set(_root, "deadline", "2027-06-17T09:00"),
        Problem(
            SOURCE,
            "deadline",
            "the deadline falls after the dialogue",
            "set the deadline on or before dialogue.date",
        ),
        id="deadline-after-dialogue",
    ),
    pytest.param(
        _set(_root, "deadline", "tomorrow"),
        Problem(
            SOURCE,
            "deadline",
            "Input should be a valid datetime or date, input is too short",
            "write a date and time such as 2027-03-31T23:59",
        ),
        id="deadline-not-a-date",
    ),
    pytest.param(
        _delete(_choice, "choices"),
        Problem(
            SOURCE,
            "agenda_items[2].questions[0].choices",
            "a choice question needs at least two choices",
            CHOICES_FIX,
        ),
        id="choice-without-choices",
    ),
    pytest.param(
        _set(_multi_choice, "choices", [{"id": "privacy", "label": "Privacy"}]),
        Problem(
            SOURCE,
            "agenda_items[1].question_groups[0].questions[0].choices",
            "a multi_choice question needs at least two choices",
            CHOICES_FIX,
        ),
        id="multi-choice-with-one-choice",
    ),
    pytest.param(
        _set(_choice, "choices", [{"id": "a", "label": "A"}, {"id": "a", "label": "B"}]),
        Problem(
            SOURCE,
            "agenda_items[2].questions[0].choices",
            "two choices share an id",
            "give each choice its own id",
        ),
        id="duplicate-choice-ids",
    ),
    pytest.param(
        _set(_text, "choices", TWO_CHOICES),
        Problem(
            SOURCE,
            "agenda_items[1].question_groups[1].questions[0].choices",
            "a text question takes no choices",
            "remove them",
        ),
        id="choices-on-text-question",
    ),
    pytest.param(
        _set(_document, "id", "ai2-progress"),
        Problem(
            SOURCE,
            "agenda_items[2].questions[1].id",
            "question id 'ai2-progress' is used twice",
            "make ids unique",
        ),
        id="duplicate-question-id",
    ),
    pytest.param(
        _set(lambda d: item(d, 2), "number", "2"),
        Problem(
            SOURCE, "agenda_items[2].number", "agenda item 2 appears twice", "number each once"
        ),
        id="duplicate-agenda-number",
    ),
    pytest.param(
        _set(_yes_no, "type", "essay"),
        Problem(
            SOURCE,
            "agenda_items[0].questions[1].type",
            "Input should be 'text', 'choice', 'multi_choice', 'yes_no', 'scale', 'document', "
            "'number' or 'date'",
            "use one of the allowed values",
        ),
        id="bad-question-type",
    ),
    pytest.param(
        _set(_dialogue, "timezone", "Mars/Olympus_Mons"),
        Problem(
            SOURCE,
            "dialogue.timezone",
            "Value error, unknown time zone 'Mars/Olympus_Mons'",
            "correct the value",
        ),
        id="unknown-timezone",
    ),
    pytest.param(
        _set(_reminders, "offsets", ["14d", "2w", "3h"]),
        Problem(
            SOURCE,
            "reminders.offsets[1]",
            "Value error, '2w' is not a duration such as 14d, 12h or 30m",
            "correct the value",
        ),
        id="bad-reminder-duration",
    ),
    pytest.param(
        _both(_set(_scale, "scale_min", 5), _set(_scale, "scale_max", 5)),
        Problem(SOURCE, "agenda_items[0].questions[0].scale_max", SCALE_MESSAGE, SCALE_FIX),
        id="scale-max-equal-to-min",
    ),
    pytest.param(
        _both(_set(_scale, "scale_min", 5), _set(_scale, "scale_max", 1)),
        Problem(SOURCE, "agenda_items[0].questions[0].scale_max", SCALE_MESSAGE, SCALE_FIX),
        id="scale-max-below-min",
    ),
    pytest.param(
        _set(_scale, "scale_max", 12),
        Problem(SOURCE, "agenda_items[0].questions[0].scale_max", SCALE_MESSAGE, SCALE_FIX),
        id="scale-with-more-than-ten-steps",
    ),
    pytest.param(
        _both(_set(_text, "min_length", 500), _set(_text, "max_length", 100)),
        Problem(
            SOURCE,
            "agenda_items[1].question_groups[1].questions[0].min_length",
            "min_length exceeds max_length",
            "lower min_length",
        ),
        id="min-length-above-max-length",
    ),
    pytest.param(
        _set(_yes_no, "max_length", 100),
        Problem(
            SOURCE,
            "agenda_items[0].questions[1].max_length",
            "only text questions have a length",
            "remove max_length",
        ),
        id="length-on-yes-no-question",
    ),
    pytest.param(
        _set(_choice, "scale_max", 7),
        Problem(
            SOURCE,
            "agenda_items[2].questions[0].scale_max",
            "a choice question takes no scale_max",
            "remove scale_max",
        ),
        id="scale-key-on-choice-question",
    ),
    pytest.param(
        _set(_dialogue, "title", {"fr": "Dialogue d'essai"}),
        Problem(
            SOURCE,
            "dialogue.title.en",
            "Field required",
            "add it (see docs/consultations.md#dialogue)",
        ),
        id="missing-english",
    ),
    pytest.param(
        _set(_scale, "help", {"fr": "Aide"}),
        Problem(
            SOURCE,
            "agenda_items[0].questions[0].help.en",
            "Field required",
            "add it (see docs/consultations.md#questions)",
        ),
        id="missing-english-in-optional-text",
    ),
    pytest.param(
        _set(_root, "working_group", ""),
        Problem(
            SOURCE,
            "working_group.en",
            "String should have at least 1 character",
            "give a non-empty text",
        ),
        id="empty-text",
    ),
    pytest.param(
        _set(_root, "agenda_items", []),
        Problem(
            SOURCE,
            "agenda_items",
            "List should have at least 1 item after validation, not 0",
            "give at least one entry",
        ),
        id="empty-agenda-items",
    ),
    pytest.param(
        _set(lambda d: item(d, 2), "questions", []),
        Problem(SOURCE, "agenda_items[2]", "no questions", "add questions or question_groups"),
        id="agenda-item-without-questions",
    ),
    pytest.param(
        _set(_root, "id", "WGIC 18"),
        Problem(SOURCE, "id", ID_MESSAGE, "use an id like wgic-14"),
        id="bad-consultation-id",
    ),
    pytest.param(
        _set(_scale, "id", "AI2 Progress"),
        Problem(SOURCE, "agenda_items[0].questions[0].id", ID_MESSAGE, "rename it"),
        id="bad-question-id",
    ),
    pytest.param(
        _set(_root, "digest", {"marking": "Internal — " + "x" * 110}),
        Problem(
            SOURCE,
            "digest.marking",
            "Value error, the marking in 'en' has 121 characters; a page header holds at most 120",
            "correct the value",
        ),
        id="marking-too-long",
    ),
    pytest.param(
        _set(_root, "digest", {"marking": {"en": "Internal", "fr": "Interne\nNe pas publier"}}),
        Problem(
            SOURCE,
            "digest.marking",
            "Value error, the marking in 'fr' must be one line of text",
            "correct the value",
        ),
        id="marking-on-two-lines",
    ),
]


@pytest.mark.parametrize(("breaks", "expected"), ONE_PROBLEM)
def test_one_problem_is_reported_with_path_and_fix(breaks: Break, expected: Problem) -> None:
    data = valid_data()
    breaks(data)
    problems = problems_in(data)
    assert problems == [expected]
    assert str(problems[0]) == (
        f"{SOURCE}: {expected.path}: {expected.message}. Fix: {expected.fix}"
    )


def test_the_deadline_may_fall_on_the_dialogue_day() -> None:
    data = valid_data()
    data["deadline"] = "2027-06-16T12:00"
    consultation = parse_consultation(SOURCE, yaml.safe_dump(data, sort_keys=False))
    assert consultation.deadline.isoformat() == "2027-06-16T12:00:00"


def test_the_deadline_is_compared_in_the_dialogue_time_zone() -> None:
    # 23:30 UTC on the dialogue day is already 01:30 the next day in Vienna.
    data = valid_data()
    data["deadline"] = "2027-06-16T23:30:00+00:00"
    assert [p.path for p in problems_in(data)] == ["deadline"]


def test_choice_without_choices_fixture_names_the_exact_path() -> None:
    path = FIXTURES / "choice-without-choices.yaml"
    problems = problems_in_text(path.read_text(encoding="utf-8"), source=str(path))
    assert problems == [
        Problem(
            str(path),
            "agenda_items[2].questions[0].choices",
            "a choice question needs at least two choices",
            CHOICES_FIX,
        )
    ]
    assert str(path) in str(problems[0])
    assert "agenda_items[2].questions[0].choices" in str(problems[0])
    assert "Fix:" in str(problems[0])


def test_yaml_syntax_error_names_the_line() -> None:
    path = FIXTURES / "syntax-error.yaml"
    problems = problems_in_text(path.read_text(encoding="utf-8"), source=str(path))
    assert len(problems) == 1
    problem = problems[0]
    assert problem.source == str(path)
    assert problem.path == "line 7, column 4"
    assert problem.message.startswith("not valid YAML (")
    assert problem.fix == "check the indentation and quoting there"
    assert str(problem).startswith(f"{path}: line 7, column 4: not valid YAML")
    assert "Fix: check the indentation" in str(problem)


def test_a_list_instead_of_a_mapping_is_a_problem() -> None:
    path = FIXTURES / "not-a-mapping.yaml"
    problems = problems_in_text(path.read_text(encoding="utf-8"), source=str(path))
    assert problems == [
        Problem(str(path), "", "the file does not hold a mapping", "start with `id: ...`")
    ]
    assert str(problems[0]) == (
        f"{path}: the file does not hold a mapping. Fix: start with `id: ...`"
    )


def test_an_empty_file_is_a_problem() -> None:
    assert problems_in_text("# nothing yet\n") == [
        Problem(SOURCE, "", "the file does not hold a mapping", "start with `id: ...`")
    ]


# ---------------------------------------------------------------------------
# Several problems at once
# ---------------------------------------------------------------------------


def test_every_semantic_problem_in_a_file_is_reported() -> None:
    path = FIXTURES / "several-problems.yaml"
    problems = problems_in_text(path.read_text(encoding="utf-8"), source=str(path))
    assert [p.path for p in problems] == [
        "id",
        "deadline",
        "agenda_items[0].questions[0].scale_max",
        "agenda_items[1].number",
        "agenda_items[1].questions[0].choices",
        "agenda_items[1].questions[1].id",
    ]
    assert {p.source for p in problems} == {str(path)}
    assert all("Fix: " in str(p) for p in problems)


def test_every_schema_problem_in_a_file_is_reported() -> None:
    data = valid_data()
    data["colour"] = "blue"
    _yes_no(data)["type"] = "essay"
    _reminders(data)["offsets"] = ["14d", "2w"]
    _dialogue(data)["timezone"] = "Nowhere/Land"
    assert sorted(p.path for p in problems_in(data)) == [
        "agenda_items[0].questions[1].type",
        "colour",
        "dialogue.timezone",
        "reminders.offsets[1]",
    ]


def test_config_error_message_lists_every_problem() -> None:
    path = FIXTURES / "several-problems.yaml"
    with pytest.raises(ConfigError) as caught:
        parse_consultation(str(path), path.read_text(encoding="utf-8"))
    lines = str(caught.value).splitlines()
    assert lines == [str(p) for p in caught.value.problems]
    assert len(lines) == 6


# ---------------------------------------------------------------------------
# load_consultations
# ---------------------------------------------------------------------------


def test_load_a_single_file() -> None:
    assert [c.id for c in load_consultations(VALID)] == ["test-2027"]


def test_load_a_directory_reads_yaml_and_yml_only(tmp_path: Path) -> None:
    shutil.copy(VALID, tmp_path / "a.yaml")
    data = valid_data()
    data["id"] = "test-2028"
    (tmp_path / "b.yml").write_text(yaml.safe_dump(data), encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a consultation", encoding="utf-8")
    assert [c.id for c in load_consultations(tmp_path)] == ["test-2027", "test-2028"]


def test_load_directory_with_one_good_and_one_bad_file_lists_the_bad_files_problems(
    tmp_path: Path,
) -> None:
    shutil.copy(VALID, tmp_path / "good.yaml")
    bad = tmp_path / "bad.yaml"
    shutil.copy(FIXTURES / "choice-without-choices.yaml", bad)
    with pytest.raises(ConfigError) as caught:
        load_consultations(tmp_path)
    assert caught.value.problems == [
        Problem(
            str(bad),
            "agenda_items[2].questions[0].choices",
            "a choice question needs at least two choices",
            CHOICES_FIX,
        )
    ]


def test_load_reports_problems_of_every_bad_file(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "choice-without-choices.yaml", tmp_path / "a.yaml")
    shutil.copy(FIXTURES / "not-a-mapping.yaml", tmp_path / "b.yaml")
    with pytest.raises(ConfigError) as caught:
        load_consultations(tmp_path)
    assert [(Path(p.source).name, p.path) for p in caught.value.problems] == [
        ("a.yaml", "agenda_items[2].questions[0].choices"),
        ("b.yaml", ""),
    ]


def test_two_files_with_the_same_id(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    shutil.copy(VALID, first)
    shutil.copy(VALID, second)
    with pytest.raises(ConfigError) as caught:
        load_consultations(tmp_path)
    assert caught.value.problems == [
        Problem(
            str(second),
            "id",
            f"id 'test-2027' is also used by {first}",
            "give each consultation its own id",
        )
    ]


def test_a_nonexistent_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(ConfigError) as caught:
        load_consultations(missing)
    fix = "point CONSULTATIONS_PATH at a YAML file or a directory of them"
    assert caught.value.problems == [Problem(str(missing), "", "does not exist", fix)]
    assert str(caught.value) == f"{missing}: does not exist. Fix: {fix}"


# ---------------------------------------------------------------------------
# Known bugs
# ---------------------------------------------------------------------------


def test_an_impossible_date_is_a_problem_not_a_crash() -> None:
    text = VALID.read_text(encoding="utf-8").replace("date: 2027-06-16", "date: 2027-02-30")
    problems = problems_in_text(text)
    assert len(problems) == 1
    assert problems[0].source == SOURCE
    assert "Fix: " in str(problems[0])


def test_an_id_with_a_trailing_newline_is_rejected() -> None:
    text = VALID.read_text(encoding="utf-8").replace("id: test-2027", "id: |\n  test-2027")
    assert problems_in_text(text) == [
        Problem(SOURCE, "id", ID_MESSAGE, "use an id like wgic-14"),
    ]


def test_min_length_on_a_yes_no_question_is_reported_at_min_length() -> None:
    data = valid_data()
    _yes_no(data)["min_length"] = 5
    assert [p.path for p in problems_in(data)] == ["agenda_items[0].questions[1].min_length"]

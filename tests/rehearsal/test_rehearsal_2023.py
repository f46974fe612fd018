"""The 2023 constructive dialogue rehearsed at its size through the product's own interfaces
(issue 14, "Must show"): 76 organisations invited by the service and walked through the
engine in the six languages, the eight panellists answering agenda item 3, some credited
anonymously or not at all; then the digest from the command line, with machine translation
through a local LibreTranslate, checked against what was entered."""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from docx import Document
from openpyxl import load_workbook

from bot.digest.build import build
from bot.digest.deliver import summary
from bot.digest.model import TRANSLATION_MARK, Digest, DigestAnswer, ItemSection
from bot.digest.translate import LibreTranslate
from handlers.engine import Engine
from handlers.ports import FixedClock
from storage.repositories import Store
from tests.commandline import point_at, run_in_loop
from tests.fakes.libretranslate import FakeLibreTranslate, libretranslate, translated
from tests.rehearsal.roster import FIRST_SUB_PANEL, PANEL, SECOND_SUB_PANEL, Stakeholder, roster
from tests.rehearsal.walk import CONSULTATION, walk

pytestmark = pytest.mark.rehearsal

PUBLICATION = {
    "named": "publishable with the respondent's name",
    "organisation": "publishable as the organisation",
    "anonymous": "publishable anonymously",
    None: "not for publication",
}
CATEGORY = {
    "ngo": "Non-governmental organization",
    "academia": "Academia",
    "private_sector": "Private sector",
    "igo": "Intergovernmental organization",
}
SUBMITTED = (
    "Sixty-nine non-governmental organizations and six other relevant stakeholders (two from "
    "academia and four from the private sector) submitted written comments, in addition to "
    "one intergovernmental organization."
)
DIALOGUE = (
    "Sixty-nine non-governmental organizations and six other relevant stakeholders (two from "
    "academia and four from the private sector) participated in the constructive dialogue, in "
    "addition to 47 States parties and one intergovernmental organization."
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeLibreTranslate]:
    async with libretranslate() as server:
        yield server


@pytest.fixture
async def rehearsed(store: Store, engine: Engine, clock: FixedClock) -> list[Stakeholder]:
    people = roster()
    assert Counter(who.category for who in people) == {
        "ngo": 69,
        "academia": 2,
        "private_sector": 4,
        "igo": 1,
    }
    await walk(store, engine, clock, people, at_once=8)
    return people


def written(item: ItemSection) -> list[DigestAnswer]:
    return [a for q in item.questions if q.listed for a in q.answers if a.language]


def uses(text: str, term: str, language: str) -> bool:
    """Whether an answer uses a theme's word or phrase."""
    if language == "zh":
        return term in text
    words = re.findall(r"[^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*", text.casefold())
    if language == "ar":  # the article is not part of the word ("البيانات" is "بيانات")
        words = [re.sub(r"^(?:و|ف|ب|ل)?ال(?=\w{3,})", "", word) for word in words]
    return f" {term} " in f" {' '.join(words)} "


async def test_the_2023_dialogue_rehearsed_end_to_end(
    rehearsed: list[Stakeholder],
    store: Store,
    clock: FixedClock,
    fake: FakeLibreTranslate,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    people = {who.name: who for who in rehearsed}
    point_at(monkeypatch, tmp_path, database_url)
    monkeypatch.setenv("TRANSLATE_URL", fake.base_url)
    result = await run_in_loop(
        capsys, "digest", "--consultation", CONSULTATION, "--out-dir", "digests",
        "--states-parties", "47", "--igos", "1",
    )  # fmt: skip
    assert result.code == 0, result.err
    files = {path.suffix: path for path in (tmp_path / "digests").iterdir()}
    assert sorted(files) == [".docx", ".html", ".md", ".xlsx"]
    sent = len(fake.calls)

    client = LibreTranslate(httpx.AsyncClient(base_url=fake.base_url))
    digest = await build(store, CONSULTATION, now=clock.now(), translator=client)
    await client.aclose()
    assert len(fake.calls) == sent  # kept: a second digest translates nothing again
    foreign = [a for item in digest.items for a in written(item) if a.language != "en"]
    assert sent == len(foreign)  # each written answer in another language sent once

    assert digest.dialogue_sentence == DIALOGUE  # the consultation file's figures
    assert summary(digest).splitlines()[3] == DIALOGUE  # the chat message announcing it
    check_counts(digest, rehearsed)
    check_names(digest, people)
    check_panels(digest, people)
    check_themes(digest, rehearsed)
    check_translations(digest)
    check_scales(digest, rehearsed)
    check_files(files, digest)


def check_counts(digest: Digest, people: list[Stakeholder]) -> None:
    assert [(c.label, c.invited, c.registered, c.submitted) for c in digest.categories] == [
        (CATEGORY["ngo"], 69, 69, 69),
        (CATEGORY["academia"], 2, 2, 2),
        (CATEGORY["private_sector"], 4, 4, 4),
        (CATEGORY["igo"], 1, 1, 1),
        ("Other", 0, 0, 0),
    ]
    assert digest.submitted_sentence == SUBMITTED
    assert digest.outstanding == ()
    assert [item.submitted for item in digest.items] == [
        sum("2" in who.items for who in people),
        8,
        76,
    ]
    answered = {"2": 4, "3": 7, "4": 2}  # item 3: one optional text skipped; item 4: two
    assert digest.total_answers == sum(answered[i] for who in people for i in who.items)
    genders = Counter(who.gender for who in people)
    women, men, other, unsaid = genders["female"], genders["male"], genders["other"], genders[None]
    assert digest.gender_sentence == (
        f"Of the 76 respondents who submitted written comments: {women} women, {men} men and "
        f"{other} of another gender; {unsaid} did not say. Women answered for {women} of the "
        f"76 organizations, men for {men}."
    )
    languages = Counter(who.language for who in people if who.language != "en")
    assert digest.items[2].translation == "Needs translation: " + ", ".join(
        f"{n} in {code}" for code, n in sorted(languages.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def check_names(digest: Digest, people: dict[str, Stakeholder]) -> None:
    """Every organisation named internally, however it chose to be credited in public."""
    [suggestions] = [q for q in digest.items[2].questions if q.key == "ai4-suggestions"]
    assert sorted(
        (a.organisation, a.category, a.language, a.publication, a.text, a.submitted)
        for a in suggestions.answers
    ) == sorted(
        (
            who.name,
            CATEGORY[who.category],
            who.language,
            PUBLICATION[who.credit],
            who.suggestion,
            True,
        )
        for who in people.values()
    )
    anonymous = {
        a.organisation for a in suggestions.answers if a.publication == PUBLICATION["anonymous"]
    }
    assert {"Microsoft", "Kennis: Knowledge for Safety and Good Governance"} <= anonymous
    assert len(anonymous) > 2


def check_panels(digest: Digest, people: dict[str, Stakeholder]) -> None:
    item3 = digest.items[1]
    assert [(p.title, tuple(x.name for x in p.panellists)) for p in item3.panels] == [
        (
            "First sub-panel: human rights considerations in law enforcement cooperation",
            FIRST_SUB_PANEL,
        ),
        (
            "Second sub-panel: cooperation between law enforcement authorities and "
            "communication service providers",
            SECOND_SUB_PANEL,
        ),
    ]
    for panel in item3.panels:
        for panellist in panel.panellists:
            who = people[panellist.name]
            _, first, second = PANEL[who.name]
            words = [c.answer.text for c in panellist.contributions if c.answer.language]
            assert words == ([first, second] if who.panel == 1 else [second, first])
            assert len(panellist.contributions) == 7  # each organisation's answers together
            assert {c.answer.publication for c in panellist.contributions} == {
                PUBLICATION[who.credit]
            }


def check_themes(digest: Digest, people: list[Stakeholder]) -> None:
    item4 = digest.items[2]
    assert item4.themes
    for theme in item4.themes:
        users = {
            who.name
            for who in people
            if who.language == theme.language and uses(who.suggestion, theme.term, who.language)
        }
        assert set(theme.organisations) == users, theme.term
    english = tuple(sorted((w.name for w in people if w.language == "en"), key=str.casefold))
    assert ("data protection", "en", english) in [
        (t.term, t.language, t.organisations) for t in item4.themes
    ]
    # Twelve themes, the most widely shared first, ties in the order of the language codes:
    # no Chinese one is among these twelve.
    assert {t.language for t in item4.themes} == {"en", "fr", "es", "ru", "ar"}
    assert digest.themes_method.startswith("Recurring themes are the words")


def check_translations(digest: Digest) -> None:
    for item in digest.items:
        for answer in written(item):
            if answer.language == "en":
                assert answer.translation is None
                continue
            assert answer.translation is not None, answer.text
            assert answer.translation.note == TRANSLATION_MARK
            assert answer.translation.text == translated(answer.text, answer.language)


def check_scales(digest: Digest, people: list[Stakeholder]) -> None:
    [progress] = [q for q in digest.items[0].questions if q.key == "ai2-review-progress"]
    points = Counter(who.scale for who in people if "2" in who.items)
    assert progress.counts[0].label == "1 (Very unsatisfactory)"
    assert progress.counts[-1].label == "5 (Very satisfactory)"
    assert [f.count for f in progress.counts] == [points[p] for p in range(1, 6)]
    ordered = sorted(who.scale for who in people if "2" in who.items)
    median = (ordered[(len(ordered) - 1) // 2] + ordered[len(ordered) // 2]) / 2
    assert progress.summary == (
        f"Median {median:g} on the scale from 1 (Very unsatisfactory) to 5 (Very "
        f"satisfactory); {len(ordered)} answers."
    )
    assert not progress.listed  # counted, not listed organisation by organisation


def check_files(files: dict[str, Path], digest: Digest) -> None:
    """What the command line wrote says the same, in every format."""
    markdown = files[".md"].read_text(encoding="utf-8")
    lines = markdown.splitlines()
    assert DIALOGUE in lines
    assert f"{SUBMITTED} {digest.registered_sentence}" in lines
    marks = sum(
        1
        for item in digest.items
        for answer in [
            *written(item),
            *(c.answer for p in item.panels for x in p.panellists for c in x.contributions),
        ]
        if answer.translation is not None
    )
    assert markdown.count(f"  *{TRANSLATION_MARK}:*\n") == marks
    assert "#### The panellist from Microsoft" in lines
    total = digest.total_answers
    assert f"- {total} answers, of which {total} new in this period" in lines  # the first
    page = files[".html"].read_text(encoding="utf-8")
    assert page.count(f'<p class="mark">{TRANSLATION_MARK}</p>') == marks
    assert DIALOGUE in page
    paragraphs = [p.text for p in Document(io.BytesIO(files[".docx"].read_bytes())).paragraphs]
    assert paragraphs.count(TRANSLATION_MARK) == marks
    assert "The panellist from Kennis: Knowledge for Safety and Good Governance" in paragraphs
    workbook = load_workbook(io.BytesIO(files[".xlsx"].read_bytes()), read_only=True)
    rows = list(workbook["Item 4"].iter_rows(values_only=True))
    header = rows[2]
    assert header[-1] == "Machine translation into English"
    marked = [r for r in rows[3:] if r[-1] and str(r[-1]).startswith(f"[{TRANSLATION_MARK}] ")]
    assert len(marked) == sum(1 for a in written(digest.items[2]) if a.translation)
    workbook.close()

"""The digest: participation in words and figures, sections, and every format read back."""

from __future__ import annotations

import dataclasses
import gc
import io
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from bot.digest import render_docx, render_html, render_md, render_xlsx, sample
from bot.digest.build import Digest, Figure, QuestionSection, build, collector_paused
from bot.digest.charts import charts
from bot.digest.model import counted, un_date, un_moment
from bot.digest.period import next_digest, record_written
from bot.digest.themes import Voice, themes
from bot.digest.words import number_words, participation_sentence, stakeholders_phrase
from config.consultation import Attendance, Participation
from handlers.ports import FixedClock
from storage.models import Answer
from storage.repositories import Store
from tests.scheduler.conftest import participant_id

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "digest"
HOSTILE = (FIXTURES / "hostile.txt").read_text(encoding="utf-8").strip()
FORMULA = (FIXTURES / "formula.txt").read_text(encoding="utf-8").strip()
CONSULTATION = "wgic-18-2027"

SUBMITTED_SENTENCE = (
    "Fourteen non-governmental organizations and six other relevant stakeholders (two from "
    "academia, three from the private sector and one from other sectors) submitted written "
    "comments, in addition to one intergovernmental organization."
)
REGISTERED_SENTENCE = (
    "Sixteen non-governmental organizations and eight other relevant stakeholders (three from "
    "academia, four from the private sector and one from other sectors) registered to take "
    "part, in addition to one intergovernmental organization."
)
DIALOGUE_SENTENCE = (
    "Sixty-nine non-governmental organizations and six other relevant stakeholders (two "
    "from academia and four from the private sector) participated in the constructive "
    "dialogue, in addition to 47 States parties and one intergovernmental organization."
)
GENDER_SENTENCE = (
    "Of the 21 respondents who submitted written comments: 9 women, 9 men and 1 of "
    "another gender; 2 did not say. Women answered for 9 of the 21 organizations, men for 9."
)
ITEM_HEADINGS = [
    "Agenda item 2: Briefing on the developments and outcomes of the review process",
    "Agenda item 3: Spotlight on the eighteenth meeting of the Working Group on International "
    "Cooperation: electronic evidence and cooperation with communication service providers",
    "Agenda item 4: Collection of inputs and suggestions from participants, including on "
    "enhancing international cooperation in the context of the work of the UNTOC Review "
    "Mechanism",
]


def test_the_chair_s_summary_phrase_in_words() -> None:
    counts = {"ngo": 69, "academia": 2, "private_sector": 4}
    assert stakeholders_phrase(counts) == (
        "Sixty-nine non-governmental organizations and six other relevant stakeholders "
        "(two from academia and four from the private sector)"
    )
    assert participation_sentence(
        {**counts, "igo": 1}, "participated", nobody="Nobody participated."
    ) == (
        "Sixty-nine non-governmental organizations and six other relevant stakeholders "
        "(two from academia and four from the private sector) participated, in addition to "
        "one intergovernmental organization."
    )


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ({}, "Nobody."),
        ({"ngo": 1}, "One non-governmental organization acted."),
        ({"academia": 1}, "One relevant stakeholder (one from academia) acted."),
        ({"igo": 2}, "Two intergovernmental organizations acted."),
        (
            {"ngo": 2, "other": 1, "igo": 1},
            "Two non-governmental organizations and one other relevant stakeholder (one from "
            "other sectors) acted, in addition to one intergovernmental organization.",
        ),
    ],
)
def test_participation_sentence_agrees_in_number(counts: dict[str, int], expected: str) -> None:
    assert participation_sentence(counts, "acted", nobody="Nobody.") == expected


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "zero"),
        (6, "six"),
        (13, "thirteen"),
        (20, "twenty"),
        (47, "forty-seven"),
        (69, "sixty-nine"),
        (100, "one hundred"),
        (105, "one hundred and five"),
        (999, "nine hundred and ninety-nine"),
        (1000, "one thousand"),
        (1069, "one thousand and sixty-nine"),
        (21_300, "twenty-one thousand three hundred"),
    ],
)
def test_number_words(number: int, words: str) -> None:
    assert number_words(number) == words


def test_number_words_refuses_what_it_cannot_say() -> None:
    with pytest.raises(ValueError, match="out of range"):
        number_words(-1)


@pytest.fixture
async def seeded(store: Store, clock: FixedClock) -> Store:
    """The 2027 consultation with the sample stakeholders and a hostile and a formula answer."""
    report = await sample.seed(store, now=clock.now())
    assert (report.organisations, report.participants, report.submissions) == (29, 25, 59)
    alliance = await participant_id(store, "demo-1", platform="demo")
    coalition = await participant_id(store, "demo-12", platform="demo")
    async with store.transaction() as uow:
        questions = {q.key: q for q in await uow.consultations.questions_of(CONSULTATION)}
        for pid, text in ((alliance, HOSTILE), (coalition, FORMULA)):
            await uow.answers.save(
                participant_id=pid,
                question_id=questions["ai3-ai-safeguards"].id,
                value={"text": text},
                text=text,
                language="en",
                confidence=0.9,
                channel="test",
                now=clock.now(),
            )
    return store


async def digest_of(store: Store, clock: FixedClock, **options: object) -> Digest:
    return await build(store, CONSULTATION, now=clock.now(), **options)  # type: ignore[arg-type]


async def test_participation_in_words_and_figures(seeded: Store, clock: FixedClock) -> None:
    digest = await digest_of(seeded, clock)
    assert digest.submitted_sentence == SUBMITTED_SENTENCE
    assert digest.registered_sentence == REGISTERED_SENTENCE
    assert [(c.label, c.invited, c.registered, c.submitted) for c in digest.categories] == [
        ("Non-governmental organization", 19, 16, 14),
        ("Academia", 3, 3, 2),
        ("Private sector", 5, 4, 3),
        ("Intergovernmental organization", 1, 1, 1),
        ("Other", 1, 1, 1),
    ]
    assert (digest.invited, digest.registered, digest.submitted) == (29, 25, 21)
    assert digest.by_gender == (
        Figure("Female", 9),
        Figure("Male", 9),
        Figure("Another gender", 1),
        Figure("Not given", 2),
    )
    assert len(digest.by_country) == 21
    assert digest.by_country[:2] == (Figure("Austria", 1), Figure("Brazil", 1))
    assert digest.by_language == (
        Figure("English (en)", 26),
        Figure("Spanish (es)", 7),
        Figure("French (fr)", 4),
        Figure("Russian (ru)", 2),
        Figure("Arabic (ar)", 1),
        Figure("Chinese (zh)", 1),
    )
    assert [(item.heading, item.submitted) for item in digest.items] == list(
        zip(ITEM_HEADINGS, [21, 19, 19], strict=True)
    )
    assert [o.name for o in digest.outstanding] == [
        "Centro de Estudios Penales",
        "Civic Space Monitor",
        "Crypto Compliance Council",
        "Fundação Justiça Global",
        "Northern Payments Group",
        "Pacific Islands Civil Society Forum",
        "Youth Network for Peace",
        "北方大学犯罪学研究所",
    ]
    assert [o.registered for o in digest.outstanding] == [
        True,
        True,
        False,
        False,
        True,
        False,
        False,
        True,
    ]


async def test_every_answer_with_its_organisation_and_how_it_may_be_published(
    seeded: Store, clock: FixedClock
) -> None:
    digest = await digest_of(seeded, clock)
    questions = {q.key: q for item in digest.items for q in item.questions}
    familiarity = questions["ai2-familiarity"]
    assert len(familiarity.answers) == 23  # 21 submitted and 2 drafts
    assert sum(f.count for f in familiarity.counts) == 23
    assert [f.label for f in familiarity.counts] == [
        "We contributed to it",
        "We are informed but have not contributed",
        "We know of it only in general terms",
        "We were not aware of it",
    ]
    assert [f.label for f in questions["ai3-balance"].counts] == [
        "1 (Not at all)",
        "2",
        "3",
        "4",
        "5 (Fully)",
    ]
    suggestions = questions["ai4-suggestions"]
    by_organisation = {a.organisation: a for a in suggestions.answers}
    arabic = by_organisation["الشبكة العربية للشفافية"]
    assert (arabic.category, arabic.country, arabic.language, arabic.submitted) == (
        "Non-governmental organization",
        "Jordan",
        "ar",
        True,
    )
    # The secretariat sees who said what; the credit choice governs only what is published.
    assert not [name for name in by_organisation if name.startswith("Anonymous")]
    anonymous = by_organisation["Association pour la protection des témoins"]
    assert (anonymous.country, anonymous.publication) == ("France", "publishable anonymously")
    assert [
        by_organisation[name].publication
        for name in (
            "Global Initiative on Victims' Rights",
            "Alliance for Justice Reform",
            "Transparency and Accountability Watch",
        )
    ] == [
        "publishable with the respondent's name",
        "publishable as the organisation",
        "not for publication",
    ]
    assert questions["ai4-suggestions"].counts == ()
    drafts = [a for a in familiarity.answers if not a.submitted]
    assert sorted(a.organisation for a in drafts) == ["Civic Space Monitor", "北方大学犯罪学研究所"]


async def test_hidden_answers_and_retired_questions_are_neither_listed_nor_counted(
    seeded: Store, clock: FixedClock
) -> None:
    before = await digest_of(seeded, clock)
    async with seeded.transaction() as uow:
        questions = {q.key: q for q in await uow.consultations.questions_of(CONSULTATION)}
        familiarity, balance = questions["ai2-familiarity"], questions["ai3-balance"]
        hidden = await uow.session.scalar(
            select(Answer).where(Answer.question_id == familiarity.id).order_by(Answer.id)
        )
        assert hidden is not None
        hidden.hidden_reason = "abuse"
        balance.retired = True
    after = await digest_of(seeded, clock)

    def sections(digest: Digest) -> dict[str, QuestionSection]:
        return {q.key: q for item in digest.items for q in item.questions}

    was, now = sections(before), sections(after)
    assert len(now["ai2-familiarity"].answers) == len(was["ai2-familiarity"].answers) - 1
    assert sum(f.count for f in now["ai2-familiarity"].counts) == 22
    assert "ai3-balance" not in now
    assert after.total_answers == (before.total_answers - 1 - len(was["ai3-balance"].answers))


async def test_answers_new_since_the_last_digest_are_marked(
    seeded: Store, clock: FixedClock
) -> None:
    everything = await digest_of(seeded, clock)
    assert (everything.total_answers, everything.new_answers) == (164, 0)
    since = clock.now() - timedelta(minutes=1)
    recent = await digest_of(seeded, clock, since=since)
    marked = [
        (q.key, a.organisation)
        for item in recent.items
        for q in item.questions
        for a in q.answers
        if a.new
    ]
    assert marked == [
        ("ai3-ai-safeguards", "Alliance for Justice Reform"),
        ("ai3-ai-safeguards", "Coalition for Digital Rights"),
    ]
    assert recent.new_answers == 2


class Structure(HTMLParser):
    """The sequence of tags of an HTML document, and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.tags.append("/" + tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def structure(html: str) -> Structure:
    parser = Structure()
    parser.feed(html)
    return parser


def with_text(digest: Digest, old: str, new: str) -> Digest:
    """The same digest with one answer's text replaced."""
    items = tuple(
        dataclasses.replace(
            item,
            questions=tuple(
                dataclasses.replace(
                    q,
                    answers=tuple(
                        dataclasses.replace(a, text=new) if a.text == old else a for a in q.answers
                    ),
                )
                for q in item.questions
            ),
        )
        for item in digest.items
    )
    return dataclasses.replace(digest, items=items)


async def test_html_escapes_a_hostile_answer_and_keeps_its_structure(
    seeded: Store, clock: FixedClock
) -> None:
    digest = await digest_of(seeded, clock)
    hostile = render_html.render(digest)
    benign = render_html.render(with_text(digest, HOSTILE, "A harmless answer"))
    assert structure(hostile).tags == structure(benign).tags
    assert "script" not in structure(hostile).tags
    assert HOSTILE in "".join(structure(hostile).text)  # shown as written
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;alert(&quot;digest&quot;)" in hostile
    # Self-contained: styles inline, both charts embedded.
    assert hostile.count('src="data:image/png;base64,') == 2
    assert "<link" not in hostile
    assert "http://" not in hostile.replace("http://example", "")


async def test_markdown_keeps_a_hostile_answer_inert(seeded: Store, clock: FixedClock) -> None:
    text = render_md.render(await digest_of(seeded, clock))
    assert f"{SUBMITTED_SENTENCE} {REGISTERED_SENTENCE}" in text
    assert "| Non-governmental organization | 19 | 16 | 14 |" in text
    assert (
        '  > &lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;alert("digest")&lt;/script&gt; '
        "&amp; &lt;b&gt;bold&lt;/b&gt; \\| \\*\\*not bold\\*\\* \\[link\\](http://example.invalid)"
    ) in text
    assert "<script>" not in text


async def test_docx_has_a_heading_per_agenda_item(seeded: Store, clock: FixedClock) -> None:
    document = Document(io.BytesIO(render_docx.render(await digest_of(seeded, clock))))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]  # type: ignore[union-attr]
    assert headings == ["Participation", *ITEM_HEADINGS, "Outstanding", "Reminders"]
    assert document.paragraphs[0].text == "Digest: Constructive dialogue 2027 (WGIC 18)"
    assert document.core_properties.title == "Digest: Constructive dialogue 2027 (WGIC 18)"
    assert document.core_properties.author == "Secretariat"
    assert document.sections[0].header.paragraphs[0].text == "Internal — not for publication"
    assert "PAGE" in document.sections[0].footer.paragraphs[0]._p.xml
    texts = [p.text for p in document.paragraphs]
    assert f"{SUBMITTED_SENTENCE} {REGISTERED_SENTENCE}" in texts
    assert HOSTILE in texts
    categories = document.tables[0]
    assert [[cell.text for cell in row.cells] for row in categories.rows] == [
        ["Category", "Invited", "Registered", "Submitted"],
        ["Non-governmental organization", "19", "16", "14"],
        ["Academia", "3", "3", "2"],
        ["Private sector", "5", "4", "3"],
        ["Intergovernmental organization", "1", "1", "1"],
        ["Other", "1", "1", "1"],
        ["Total", "29", "25", "21"],
    ]
    assert len(document.inline_shapes) == 2
    questions = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]  # type: ignore[union-attr]
    assert (
        "What are your main suggestions for enhancing international cooperation in the "
        "context of the work of the UNTOC Review Mechanism?" in questions
    )
    assert (
        "0 reminders sent to 0 participants (0 in this period); 0 skipped, 0 uncertain, "
        "0 failed." in texts
    )


async def test_xlsx_has_participation_and_a_sheet_per_agenda_item(
    seeded: Store, clock: FixedClock
) -> None:
    workbook = load_workbook(io.BytesIO(render_xlsx.render(await digest_of(seeded, clock))))
    assert workbook.sheetnames == [
        "Participation",
        "Item 2",
        "Item 3",
        "Item 4",
        "Organizations × questions",
        "Outstanding",
    ]
    participation = [
        [cell for cell in row if cell is not None]
        for row in workbook["Participation"].iter_rows(values_only=True)
    ]
    assert participation[2:5] == [
        [f"{SUBMITTED_SENTENCE} {REGISTERED_SENTENCE}"],
        [GENDER_SENTENCE],
        [],
    ]
    assert participation[5:12] == [
        ["Category", "Invited", "Registered", "Submitted"],
        ["Non-governmental organization", 19, 16, 14],
        ["Academia", 3, 3, 2],
        ["Private sector", 5, 4, 3],
        ["Intergovernmental organization", 1, 1, 1],
        ["Other", 1, 1, 1],
        ["Total", 29, 25, 21],
    ]
    assert [
        "Agenda item 3: Spotlight on the eighteenth meeting of the Working Group on "
        "International Cooperation: electronic evidence and cooperation with communication "
        "service providers",
        19,
    ] in participation
    item3 = workbook["Item 3"]
    rows = list(item3.iter_rows(values_only=True))
    assert rows[2] == (
        "Question",
        "Organization",
        "Category",
        "Country",
        "Language",
        "Answered at",
        "New",
        "Submitted",
        "Publication",
        "Answer",
        "Machine translation into English",
    )
    hostile = next(row for row in rows if row[9] == HOSTILE)
    assert hostile[1:9] == (
        "Alliance for Justice Reform",
        "Non-governmental organization",
        "Kenya",
        "en",
        datetime(2027, 1, 15, 11, 0),  # Vienna time
        None,
        "Yes",
        "publishable as the organisation",
    )
    formula_cell = next(cell for cell in item3["J"] if cell.value == FORMULA)
    assert formula_cell.data_type == "s"
    counts = rows[rows.index(("Question", "Answer", "Count", *[None] * 8)) :]
    assert counts[1][:3] == (
        "What are the main obstacles to obtaining electronic evidence across borders?",
        "Lengthy mutual legal assistance procedures",
        11,
    )
    outstanding = list(workbook["Outstanding"].iter_rows(values_only=True))
    assert outstanding[0] == ("Organization", "Category", "Country", "Registered")
    assert len(outstanding) == 9


async def test_charts_are_png(seeded: Store, clock: FixedClock) -> None:
    found = charts(await digest_of(seeded, clock))
    assert [chart.title for chart in found] == [
        "Submissions over time (cumulative)",
        "Organizations by category",
    ]
    assert all(chart.png.startswith(b"\x89PNG\r\n\x1a\n") for chart in found)
    assert found[0].description.startswith("59 agenda items submitted from ")


async def test_an_empty_consultation_says_so(store: Store, clock: FixedClock) -> None:
    digest = await build(store, CONSULTATION, now=clock.now())
    assert digest.submitted_sentence == "No organization has submitted written comments yet."
    assert charts(digest) == []
    assert "None yet." in render_md.render(digest)
    Document(io.BytesIO(render_docx.render(digest)))
    load_workbook(io.BytesIO(render_xlsx.render(digest)))
    assert digest.period() == "All submissions up to 15 January 2027, 11:00 (Europe/Vienna time)"
    with pytest.raises(LookupError, match="no consultation with id 'nope'"):
        await build(store, "nope", now=clock.now())
    assert digest.generated_at == datetime(2027, 1, 15, 10, 0, tzinfo=UTC)


def test_the_cycle_collector_is_paused_only_while_a_digest_is_made() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # The outer pause is still on.
    assert gc.isenabled()
    with pytest.raises(RuntimeError, match="renderer failed"), collector_paused():
        raise RuntimeError("renderer failed")
    assert gc.isenabled()


def test_dates_and_counts_in_united_nations_style() -> None:
    assert un_date(date(2027, 9, 6)) == "6 September 2027"
    assert un_moment(datetime(2027, 9, 6, 9, 5)) == "6 September 2027, 09:05"
    assert [counted(n, "answer") for n in (0, 1, 2, 1200)] == [
        "0 answers",
        "1 answer",
        "2 answers",
        "1,200 answers",
    ]


async def test_closed_questions_are_counted_not_listed_organisation_by_organisation(
    seeded: Store, clock: FixedClock
) -> None:
    digest = await digest_of(seeded, clock)
    text = render_md.render(digest)
    balance = next(q for item in digest.items for q in item.questions if q.key == "ai3-balance")
    assert not balance.listed
    section = text[text.index(f"### {render_md.escape(balance.text)}") :]
    section = section[: section.index("\n### ")]
    assert "  > " not in section  # no answer listed one by one
    assert "| 1 (Not at all) |" in section
    assert "| 5 (Fully) |" in section
    assert balance.summary == "Median 3 on the scale from 1 (Not at all) to 5 (Fully); 21 answers."
    # Each organisation's value is in the workbook, as a label: in the organisations ×
    # questions sheet, not among the agenda item's written answers.
    workbook = load_workbook(io.BytesIO(render_xlsx.render(digest)))
    platform = (
        "Have national authorities given your organization an opportunity to present data or "
        "knowledge to inform the responses to the self-assessment questionnaire?"
    )
    item2 = list(workbook["Item 2"].iter_rows(values_only=True))
    assert not any(row[0] == platform and row[9] for row in item2)
    assert (platform, "Yes", 14) in [row[:3] for row in item2]  # its count
    matrix = list(workbook["Organizations × questions"].iter_rows(values_only=True))
    column = next(n for n, title in enumerate(matrix[0]) if str(title).endswith(platform))
    assert {row[column] for row in matrix[1:] if row[column]} == {"Yes", "No"}


async def test_a_first_digest_covers_the_period_from_the_opening(
    seeded: Store, clock: FixedClock
) -> None:
    first = await next_digest(seeded, CONSULTATION, now=clock.now())
    assert first.period().startswith("Since the opening on ")
    assert first.new_answers == first.total_answers
    await record_written(seeded, first, targets=["test"], now=clock.now())
    clock.set(clock.now() + timedelta(hours=1))
    second = await next_digest(seeded, CONSULTATION, now=clock.now())
    assert second.since == first.generated_at
    assert second.period() == (
        "Since the previous digest on 15 January 2027, 11:00 up to 15 January 2027, 12:00 "
        "(Europe/Vienna time)"
    )
    assert (second.new_answers, second.answers_line()) == (
        0,
        "164 answers, of which 0 new in this period",
    )


async def test_the_dialogue_sentence_with_the_secretariat_s_own_figures(
    seeded: Store, clock: FixedClock
) -> None:
    figures = Participation(
        states_parties=47,
        intergovernmental_organizations=1,
        attendance=Attendance(ngo=69, academia=2, private_sector=4),
    )
    digest = await build(seeded, CONSULTATION, now=clock.now(), participation=figures)
    assert digest.dialogue_sentence == DIALOGUE_SENTENCE
    assert digest.gender_sentence == GENDER_SENTENCE
    assert digest.dialogue_sentence in render_md.render(digest)
    sheet = load_workbook(io.BytesIO(render_xlsx.render(digest)))["Participation"]
    assert [row[0] for row in sheet.iter_rows(min_row=3, max_row=6, values_only=True)] == [
        DIALOGUE_SENTENCE,
        f"{SUBMITTED_SENTENCE} {REGISTERED_SENTENCE}",
        GENDER_SENTENCE,
        None,
    ]
    plain = await digest_of(seeded, clock)
    assert plain.dialogue_sentence == ""  # the bundled file gives no figures


async def test_panels_themes_and_what_needs_translation_per_agenda_item(
    seeded: Store, clock: FixedClock
) -> None:
    digest = await digest_of(seeded, clock)
    item3 = digest.items[1]
    assert [panel.title for panel in item3.panels] == [
        "First sub-panel: human rights safeguards in cooperation on electronic evidence",
        "Second sub-panel: cooperation with communication service providers",
    ]
    first = item3.panels[0].panellists
    assert [p.name for p in first] == [
        "Alliance for Justice Reform",
        "Institute for Criminal Justice Studies",
        "Observatoire des réseaux criminels",
        "Association pour la protection des témoins",
    ]
    # Each panellist's answers together, the anonymous-for-publication one named too.
    assert {c.answer.organisation for c in first[3].contributions} == {
        "Association pour la protection des témoins"
    }
    assert first[0].contributions[0].question == (
        "What are the main obstacles to obtaining electronic evidence across borders?"
    )
    assert item3.translation.startswith("Needs translation: ")
    assert "in es" in item3.translation
    item4 = digest.items[2]
    assert item4.themes
    assert all(len(theme.organisations) >= 2 for theme in item4.themes)
    assert digest.themes_method.startswith("Recurring themes are the words")
    text = render_md.render(digest)
    assert "#### The panellist from Alliance for Justice Reform" in text
    assert "### Recurring themes" in text


def test_themes_are_found_in_each_language_and_counted_by_organisation() -> None:
    voices = [
        Voice("A", "NGO", "en", "Human rights safeguards matter. Human rights, again."),
        Voice("B", "Academia", "en", "We ask for human rights safeguards in every request."),
        Voice("C", "NGO", "zh", "建议加强数据保护。"),
        Voice("D", "NGO", "zh", "数据保护很重要。"),
        Voice("E", "NGO", "fr", "La protection des données est essentielle."),
    ]
    found = themes(voices)
    assert [(t.term, t.language, t.organisations) for t in found][:2] == [
        ("human rights", "en", ("A", "B")),
        ("rights safeguards", "en", ("A", "B")),
    ]
    assert ("数据", "zh", ("C", "D")) in [(t.term, t.language, t.organisations) for t in found]
    assert "données" not in [t.term for t in found]  # one organisation only
    assert found[0].categories == (("Academia", 1), ("NGO", 1))
    assert themes(voices) == found  # the same answers, the same themes

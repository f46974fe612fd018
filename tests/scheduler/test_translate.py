"""Machine translation of a digest through LibreTranslate: the wire protocol against a local
fake, each answer revision translated once, failures noted beside the original and never
failing the digest, and the mark in every format."""

from __future__ import annotations

import io
import socket
from collections.abc import AsyncIterator
from html import escape

import httpx
import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from bot.digest import render_docx, render_html, render_md, render_xlsx, sample
from bot.digest.build import build
from bot.digest.model import TRANSLATION_MARK, Digest, DigestAnswer
from bot.digest.translate import (
    CONCURRENT,
    GIVE_UP_AFTER,
    LibreTranslate,
    TranslationFailed,
    from_settings,
)
from config.errors import ConfigError
from config.settings import load_settings
from handlers.ports import FixedClock
from storage.repositories import Store, UnitOfWork
from storage.translations import Translation
from tests.fakes.libretranslate import (
    HANG,
    NO_TRANSLATION,
    NOT_JSON,
    FakeLibreTranslate,
    libretranslate,
    translated,
)

CONSULTATION = "wgic-18-2027"
FOREIGN = 15
"""Written answers of the sample data in another language than English."""
FRENCH = "Des enquêtes locales de victimisation"
"""How one of the sample's French answers starts."""


@pytest.fixture
async def fake() -> AsyncIterator[FakeLibreTranslate]:
    async with libretranslate(api_key="lt-key-for-tests") as server:
        yield server


def client_of(
    fake: FakeLibreTranslate, *, timeout: float = 5.0, key: str = "lt-key-for-tests"
) -> LibreTranslate:
    return LibreTranslate(
        httpx.AsyncClient(base_url=fake.base_url, timeout=timeout), api_key=key, max_chars=500
    )


@pytest.fixture
async def translator(fake: FakeLibreTranslate) -> AsyncIterator[LibreTranslate]:
    client = client_of(fake)
    yield client
    await client.aclose()


@pytest.fixture
async def seeded(store: Store, clock: FixedClock) -> Store:
    await sample.seed(store, now=clock.now())
    return store


async def question_ids(uow: UnitOfWork) -> set[int]:
    return {q.id for q in await uow.consultations.questions_of(CONSULTATION)}


def written(digest: Digest) -> list[DigestAnswer]:
    return [
        answer
        for item in digest.items
        for question in item.questions
        if question.listed
        for answer in question.answers
        if answer.language
    ]


async def test_a_text_is_sent_as_libretranslate_takes_it(
    fake: FakeLibreTranslate, translator: LibreTranslate
) -> None:
    assert await translator.translate("Bonjour à tous", "fr", "en") == "EN(fr): Bonjour à tous"
    assert fake.calls == [
        {
            "q": "Bonjour à tous",
            "source": "fr",
            "target": "en",
            "format": "text",
            "api_key": "lt-key-for-tests",
        }
    ]


@pytest.mark.parametrize(
    ("failure", "reason", "service_down"),
    [
        ("400", "the service answered 400 (Invalid request: unsupported language pair)", False),
        ("403", "the service answered 403 (Invalid API key)", True),
        ("429", "the service answered 429 (Slowdown: 30 per 1 minute)", True),
        ("500", "the service answered 500 (Cannot translate text: argos model failed)", True),
        (NOT_JSON, "the service's answer held no translation", True),
        (NO_TRANSLATION, "the service's answer held no translation", True),
    ],
)
async def test_each_error_of_the_service_is_a_failure_in_words(
    fake: FakeLibreTranslate,
    translator: LibreTranslate,
    failure: str,
    reason: str,
    service_down: bool,
) -> None:
    fake.fail = failure
    with pytest.raises(TranslationFailed) as caught:
        await translator.translate("Bonjour à tous", "fr", "en")
    assert (caught.value.reason, caught.value.service_down) == (reason, service_down)


async def test_a_wrong_key_a_silent_service_and_no_service_at_all(
    fake: FakeLibreTranslate,
) -> None:
    wrong = client_of(fake, key="not-the-key")
    with pytest.raises(TranslationFailed, match=r"^the service answered 403 \(Invalid API key\)$"):
        await wrong.translate("Bonjour à tous", "fr", "en")
    await wrong.aclose()
    fake.fail = HANG
    slow = client_of(fake, timeout=0.2)
    with pytest.raises(TranslationFailed, match=r"^the service did not answer within 0.2 s$"):
        await slow.translate("Bonjour à tous", "fr", "en")
    await slow.aclose()
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    gone = LibreTranslate(httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=2))
    with pytest.raises(
        TranslationFailed, match=r"^the service could not be reached \(ConnectError\)$"
    ):
        await gone.translate("Bonjour à tous", "fr", "en")
    await gone.aclose()


async def test_a_text_over_the_limit_is_not_sent(
    fake: FakeLibreTranslate, translator: LibreTranslate
) -> None:
    with pytest.raises(TranslationFailed) as caught:
        await translator.translate("é" * 501, "fr", "en")
    assert caught.value.reason == "longer than the 500 characters sent for translation"
    assert not caught.value.service_down
    assert fake.calls == []


async def test_every_written_answer_in_another_language_is_translated_once(
    seeded: Store, clock: FixedClock, fake: FakeLibreTranslate, translator: LibreTranslate
) -> None:
    digest = await build(seeded, CONSULTATION, now=clock.now(), translator=translator)
    answers = written(digest)
    foreign = [a for a in answers if a.language not in ("en", "und")]
    assert len(foreign) == FOREIGN
    assert all(a.translation is None for a in answers if a.language in ("en", "und"))
    for answer in foreign:
        assert answer.translation is not None
        assert answer.translation.text == translated(answer.text, answer.language)
        assert answer.translation.note == TRANSLATION_MARK
    assert sorted(fake.texts) == sorted(a.text for a in foreign)
    again = await build(seeded, CONSULTATION, now=clock.now(), translator=translator)
    assert len(fake.calls) == FOREIGN  # kept: nothing sent a second time
    assert [a.translation for a in written(again)] == [a.translation for a in answers]
    plain = await build(seeded, CONSULTATION, now=clock.now())
    assert all(a.translation is None for a in written(plain))  # off unless asked for


async def test_a_changed_answer_is_translated_again_and_its_old_translation_dropped(
    seeded: Store, clock: FixedClock, fake: FakeLibreTranslate, translator: LibreTranslate
) -> None:
    await build(seeded, CONSULTATION, now=clock.now(), translator=translator)
    async with seeded.transaction() as uow:
        rows = await uow.translations.translatable(await question_ids(uow), "en")
        french = next(row for row in rows if row.text.startswith(FRENCH))
        await uow.answers.save(
            participant_id=french.participant_id,
            question_id=french.question_id,
            value={"text": "Une seule réunion ne suffira pas pour les garanties."},
            text="Une seule réunion ne suffira pas pour les garanties.",
            language="fr",
            confidence=0.9,
            channel="test",
            now=clock.now(),
        )
    digest = await build(seeded, CONSULTATION, now=clock.now(), translator=translator)
    assert fake.texts[FOREIGN:] == ["Une seule réunion ne suffira pas pour les garanties."]
    changed = next(a for a in written(digest) if a.text.startswith("Une seule réunion"))
    assert changed.translation is not None
    assert (
        changed.translation.text == "EN(fr): Une seule réunion ne suffira pas pour les garanties."
    )
    async with seeded.transaction() as uow:
        kept = await uow.session.scalars(
            select(Translation.revision).where(Translation.answer_id == french.answer_id)
        )
        assert list(kept) == [french.revision + 1]


async def test_a_failure_leaves_the_original_with_a_note_and_is_tried_again_next_time(
    seeded: Store, clock: FixedClock, fake: FakeLibreTranslate, translator: LibreTranslate
) -> None:
    fake.fail_texts[FRENCH] = "400"
    digest = await build(seeded, CONSULTATION, now=clock.now(), translator=translator)
    [refused] = [a for a in written(digest) if a.text.startswith(FRENCH)]
    assert refused.translation is not None
    assert refused.translation.text == ""
    assert refused.translation.note == (
        "No machine translation: the service answered 400 (Invalid request: unsupported "
        "language pair)."
    )
    others = [a for a in written(digest) if a.translation and a is not refused]
    assert len(others) == FOREIGN - 1
    assert all(a.translation and a.translation.note == TRANSLATION_MARK for a in others)
    del fake.fail_texts[FRENCH]
    again = await build(seeded, CONSULTATION, now=clock.now(), translator=translator)
    assert fake.texts[FOREIGN:] == [refused.text]  # only the one that failed
    [now_translated] = [a for a in written(again) if a.text.startswith(FRENCH)]
    assert now_translated.translation is not None
    assert now_translated.translation.note == TRANSLATION_MARK


async def test_a_service_that_keeps_failing_is_given_up_and_the_digest_still_made(
    seeded: Store, clock: FixedClock, fake: FakeLibreTranslate, translator: LibreTranslate
) -> None:
    fake.fail = "500"
    digest = await build(seeded, CONSULTATION, now=clock.now(), translator=translator)
    foreign = [a for a in written(digest) if a.translation is not None]
    assert len(foreign) == FOREIGN
    assert GIVE_UP_AFTER <= len(fake.calls) < GIVE_UP_AFTER + CONCURRENT
    notes = {a.translation.note for a in foreign if a.translation}
    assert notes == {
        "No machine translation: the service answered 500 (Cannot translate text: argos "
        "model failed).",
        "No machine translation: not sent, the service failed 3 times in a row (last: the "
        "service answered 500 (Cannot translate text: argos model failed)).",
    }
    assert "No machine translation: not sent" in render_md.render(digest)


async def test_the_mark_stands_beside_the_original_in_every_format(
    seeded: Store, clock: FixedClock, translator: LibreTranslate
) -> None:
    digest = await build(seeded, CONSULTATION, now=clock.now(), translator=translator)
    [french] = [a for a in written(digest) if a.text.startswith(FRENCH)]
    assert french.translation is not None
    english = french.translation.text
    markdown = render_md.render(digest).splitlines()
    original = markdown.index(f"  > {render_md.escape(french.text)}")
    assert markdown[original + 1 : original + 4] == [
        "",
        f"  *{TRANSLATION_MARK}:*",
        f"  > {render_md.escape(english)}",
    ]
    page = render_html.render(digest)
    assert (
        f'<div class="mt" lang="en" dir="ltr"><p class="mark">{TRANSLATION_MARK}</p>'
        f'<p class="text">{escape(english, quote=True)}</p></div>'
    ) in page
    paragraphs = [p.text for p in Document(io.BytesIO(render_docx.render(digest))).paragraphs]
    at = paragraphs.index(french.text)
    assert paragraphs[at + 1 : at + 3] == [TRANSLATION_MARK, english]
    workbook = load_workbook(io.BytesIO(render_xlsx.render(digest)))
    rows = [row for sheet in workbook.worksheets[1:-1] for row in sheet.iter_rows(values_only=True)]
    [row] = [row for row in rows if row[9] == french.text]
    assert row[10] == f"[{TRANSLATION_MARK}] {english}"


async def test_erasing_a_participant_erases_the_translations_of_their_answers(
    seeded: Store, clock: FixedClock, translator: LibreTranslate
) -> None:
    await build(seeded, CONSULTATION, now=clock.now(), translator=translator)
    async with seeded.transaction() as uow:
        rows = await uow.translations.translatable(await question_ids(uow), "en")
        french = next(row for row in rows if row.text.startswith(FRENCH))
        assert french.translation is not None
        await uow.answers.forget(french.participant_id)
    async with seeded.transaction() as uow:
        left = await uow.session.scalars(
            select(Translation.id).where(Translation.answer_id == french.answer_id)
        )
        assert list(left) == []


async def test_translation_is_off_by_default_and_its_settings_are_checked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("TRANSLATE_URL", "TRANSLATE_API_KEY", "TRANSLATE_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    assert from_settings(load_settings()) is None
    monkeypatch.setenv("TRANSLATE_URL", "ftp://translate.example.org")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    [problem] = caught.value.problems
    assert problem.path == "TRANSLATE_URL"
    assert problem.fix.startswith("use the base URL of a LibreTranslate service")
    monkeypatch.setenv("TRANSLATE_URL", "http://127.0.0.1:5000/")
    monkeypatch.setenv("TRANSLATE_API_KEY", "lt-secret-key")
    settings = load_settings()
    assert "lt-secret-key" not in repr(settings)
    client = from_settings(settings)
    assert client is not None
    assert str(client.client.base_url) == "http://127.0.0.1:5000"
    assert client.api_key == "lt-secret-key"
    await client.aclose()

"""Direction controls typed by a participant or an invite file cannot reorder our text."""

from __future__ import annotations

from sqlalchemy import update

from bot.digest import render_html, render_md
from bot.digest.build import build
from bot.invites import validate_request
from handlers.engine import Engine
from handlers.ports import FixedClock
from handlers.text import FSI, PDF, PDI, RLO
from storage.models import Organisation
from storage.repositories import Store
from tests.conftest import Chat, new_invite, onboard
from tests.handlers.replies import WELCOME, profile, review_2

EVIL = f"{RLO}Org evil gpj.exe"
"""Shown raw, an override turns "exe.jpg" into what looks like a picture's name."""


def test_trust_16_an_invite_file_cannot_give_a_name_an_override() -> None:
    request = validate_request(
        organisation=EVIL,
        category="ngo",
        country="",
        consultation="",
        max_uses="1",
        expires="",
        known_consultations=set(),
    )
    assert request.organisation == "Org evil gpj.exe"


async def test_trust_16_a_typed_organisation_name_loses_its_override(
    chat: Chat, invite: str, store: Store
) -> None:
    await chat.say(f"/start {invite}")
    await chat.press("English")
    await chat.press("I agree")
    await chat.press("No, do not publish")
    await chat.press("Change name")
    await chat.say(f"{EVIL}\u200b\u2066 ")
    assert chat.texts == [profile("Org evil gpj.exe", "Non-governmental organization", "Austria")]
    async with store.transaction() as uow:
        names = [p.organisation.name for p in await uow.reports.participants() if p.organisation]
    assert names == ["Org evil gpj.exe"]


async def test_trust_16_a_stored_name_with_an_override_is_shown_contained(
    engine: Engine, store: Store, clock: FixedClock
) -> None:
    # Names stored before they were cleaned, or written to the database by other means.
    code = await new_invite(store, clock, organisation="Kennis")
    async with store.transaction() as uow:
        await uow.session.execute(update(Organisation).values(name=EVIL))
    chat = Chat(engine, "bob")
    await chat.say(f"/start {code}")
    contained = f"{FSI}{EVIL}{PDF}{PDI}"
    assert chat.texts == [
        WELCOME.replace("Criminologists without Borders", contained),
        "Which language would you like me to use?",
    ]


async def test_trust_16_an_answer_with_an_override_is_isolated_where_it_is_shown(
    chat: Chat, invite: str, store: Store, clock: FixedClock
) -> None:
    answer = f"We propose {RLO}a written round before each meeting"
    await onboard(chat, invite)
    await chat.press("Constructive dialogue 2027")
    await chat.press("Agenda item 2")
    await chat.press("We contributed")
    await chat.press("Yes")
    await chat.say(answer)
    # Kept as written, shown closed and isolated: the review's next line is not reordered.
    assert chat.texts == [review_2("Yes", "not submitted", comment=f"{FSI}{answer}{PDF}{PDI}")]
    async with store.transaction() as uow:
        assert [r.answer.text for r in await uow.reports.answers()][-1] == answer

    digest = await build(store, "wgic-18-2027", now=clock.now())
    texts = [a.text for item in digest.items for q in item.questions for a in q.answers]
    assert f"{answer}{PDF}" in texts
    assert f"  > {answer}{PDF}" in render_md.render(digest).replace("\\", "")
    assert f"{answer}{PDF}</td>" in render_html.render(digest)

"""The console in a real browser (Playwright driving Debian's Chromium) against `serve` on
loopback with the fake Telegram Bot API and the fake Slack Web API: sign in from the bot's
link in Telegram or in Slack, watch progress move as a participant answers in either chat,
hide an answer and see it gone from the digest, import a CSV with one bad row, extend a
deadline, send a broadcast to a Telegram and a Slack participant, download the DOCX."""

from __future__ import annotations

import re
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright, expect

from handlers.ports import FixedClock
from tests.adapters.slack.conftest import SlackUser
from tests.conftest import Chat, answer_agenda_item_2, new_invite, onboard
from tests.console.browser import (
    ADMIN_ID,
    CHROMIUM,
    PARTICIPANT_ID,
    SLACK_ADMIN,
    SLACK_PARTICIPANT,
    Served,
    TelegramUser,
    console_link,
    served,
    slack_to_first_question,
    to_first_question,
)

pytestmark = [
    pytest.mark.asyncio(loop_scope="module"),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="apt-get install -y chromium"),
]
COMMENT = "Stakeholders should be heard before every country visit, in writing."


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    """One Chromium for the module."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def web(database_url: str, tmp_path: Path, clock: FixedClock) -> AsyncIterator[Served]:
    """`serve` for one test."""
    async with served(database_url, tmp_path / "files", clock) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser, web: Served) -> AsyncIterator[Page]:
    """A browser tab signed in from the link the administrator got from the bot."""
    context = await browser.new_context(accept_downloads=True)
    tab = await context.new_page()
    tab.set_default_timeout(15_000)
    link = await console_link(web.user(ADMIN_ID))
    await tab.goto(link)
    await tab.get_by_role("button", name="Sign in").click()
    await expect(tab.get_by_role("heading", name="Consultations", exact=True)).to_be_visible()
    yield tab
    await context.close()


async def participant(web: Served, clock: FixedClock, *, submit: bool = True) -> TelegramUser:
    """A participant on Telegram who answered agenda item 2."""
    amina = web.user(PARTICIPANT_ID)
    await to_first_question(amina, await new_invite(web.app.store, clock))
    await amina.press("We contributed to it")
    await amina.press("Yes")
    await amina.say(COMMENT)
    if submit:
        await amina.press("Submit")
    return amina


async def slack_participant(web: Served, clock: FixedClock, *, submit: bool = True) -> SlackUser:
    """A participant in Slack who answered agenda item 2."""
    kofi = web.slack_user(SLACK_PARTICIPANT, "Kofi")
    await slack_to_first_question(kofi, await new_invite(web.app.store, clock))
    await kofi.press("We contributed to it")
    await kofi.press("Yes")
    await kofi.say(COMMENT)
    if submit:
        await kofi.press("Submit")
    return kofi


async def test_sign_in_from_slack_and_see_a_slack_participant_answer(
    browser: Browser, web: Served, clock: FixedClock
) -> None:
    link = await console_link(web.slack_user(SLACK_ADMIN, "Admin"))
    context = await browser.new_context()
    tab = await context.new_page()
    tab.set_default_timeout(15_000)
    await tab.goto(link)
    await tab.get_by_role("button", name="Sign in").click()
    await expect(tab.get_by_role("heading", name="Consultations", exact=True)).to_be_visible()
    cell = tab.locator('table[data-refresh="/console/progress/wgic-18-2027"] td[data-cell="2:ngo"]')
    await expect(cell).to_have_text(re.compile(r"^\s*0\s·\s*0\s·\s*0\s·\s*0\s*$"))
    kofi = await slack_participant(web, clock, submit=False)
    await expect(cell).to_have_text(re.compile(r"^\s*1\s·\s*1\s·\s*1\s·\s*0\s*$"))
    await kofi.press("Submit")
    await expect(cell).to_have_text(re.compile(r"^\s*1\s·\s*1\s·\s*0\s·\s*1\s*$"))
    await tab.get_by_role("link", name="Audit log").click()
    await expect(tab.get_by_role("row").filter(has_text="console.signed_in")).to_contain_text(
        f"admin:slack:{SLACK_ADMIN}"
    )
    await context.close()


async def test_sign_in_from_the_link_once(browser: Browser, web: Served) -> None:
    link = await console_link(web.user(ADMIN_ID))
    context = await browser.new_context()
    tab = await context.new_page()
    await tab.goto(f"{web.url}/console/")
    await expect(tab.get_by_role("heading", name="Sign in to the console")).to_be_visible()
    await expect(tab.get_by_role("navigation")).to_have_count(0)
    await tab.goto(link)
    await tab.get_by_role("button", name="Sign in").click()
    await expect(tab.get_by_role("heading", name="Consultations", exact=True)).to_be_visible()
    await expect(tab.get_by_role("navigation", name="Console")).to_be_visible()
    other = await browser.new_context()
    second = await other.new_page()
    await second.goto(link)
    await expect(second.get_by_role("alert")).to_contain_text("cannot be used")
    await other.close()
    await context.close()


async def test_progress_moves_as_a_participant_answers(
    page: Page, web: Served, clock: FixedClock
) -> None:
    cell = page.locator(
        'table[data-refresh="/console/progress/wgic-18-2027"] td[data-cell="2:ngo"]'
    )
    await expect(cell).to_have_text(re.compile(r"^\s*0\s·\s*0\s·\s*0\s·\s*0\s*$"))
    amina = await participant(web, clock, submit=False)
    await expect(cell).to_have_text(re.compile(r"^\s*1\s·\s*1\s·\s*1\s·\s*0\s*$"))
    await amina.press("Submit")
    await expect(cell).to_have_text(re.compile(r"^\s*1\s·\s*1\s·\s*0\s·\s*1\s*$"))


async def answered_through_the_engine(web: Served, clock: FixedClock) -> None:
    """A participant's answers to agenda item 2, given straight to the engine (Telegram
    paces its messages in real time; the tests that only need answers save that time)."""
    alice = Chat(web.app.engine, "alice")
    await onboard(alice, await new_invite(web.app.store, clock))
    await answer_agenda_item_2(alice, COMMENT)


async def test_hide_an_answer_and_it_is_gone_from_the_digest(
    page: Page, web: Served, clock: FixedClock
) -> None:
    await answered_through_the_engine(web, clock)
    await page.get_by_role("link", name="Digest").click()
    digest = page.frame_locator("iframe.digest")
    await expect(digest.get_by_text(COMMENT)).to_be_visible()
    await page.get_by_role("link", name="Answers").click()
    await page.get_by_label("Question").select_option("ai2-stakeholder-contribution")
    await page.get_by_role("button", name="Show").click()
    await page.get_by_role("row").filter(has_text=COMMENT).get_by_role("link").click()
    await page.get_by_label("Reason for hiding it").fill("names a delegate")
    await page.get_by_role("button", name="Hide it").click()
    await expect(page.get_by_role("status")).to_contain_text("is hidden from digests and exports")
    await page.get_by_role("link", name="Digest").click()
    await expect(digest.get_by_role("heading").first).to_be_visible()
    await expect(digest.get_by_text(COMMENT)).to_have_count(0)


async def test_import_a_csv_with_one_bad_row(page: Page, tmp_path: Path) -> None:
    csv = tmp_path / "invites.csv"
    csv.write_text(
        "organisation,category,country\nFriends of the Court,ngo,AT\nAcme,spaceship,AT\n"
    )
    await page.get_by_role("link", name="Organisations and invites").click()
    await page.get_by_label("CSV file").set_input_files(csv)
    await page.get_by_role("button", name="Preview").click()
    await expect(page.get_by_role("alert")).to_have_text(
        "1 row has a problem: nothing has been written. Correct the file and preview it again."
    )
    await expect(page.get_by_role("row").filter(has_text="Acme")).to_contain_text(
        "unknown category 'spaceship'"
    )
    await expect(page.get_by_role("button", name=re.compile("^Create"))).to_have_count(0)
    csv.write_text("organisation,category,country\nFriends of the Court,ngo,AT\n")
    await page.get_by_role("link", name="Back to organisations and invites").click()
    await page.get_by_label("CSV file").set_input_files(csv)
    await page.get_by_role("button", name="Preview").click()
    await page.get_by_role("button", name="Create 1 invite").click()
    await expect(page.get_by_role("status")).to_contain_text("1 invite created: ")
    await expect(page.get_by_role("row").filter(has_text="Friends of the Court")).to_contain_text(
        "invited"
    )


async def test_extend_a_deadline(page: Page) -> None:
    await page.get_by_role("link", name="Deadlines and items").click()
    await page.locator("#extend-wgic-18-2027").fill("2027-06-30")
    await page.locator("#extend-wgic-18-2027 ~ button").click()
    await expect(page.get_by_role("status")).to_have_text(
        "The deadline of wgic-18-2027 is now 30 June 2027, 23:59; reminders follow the new "
        "deadline."
    )
    await expect(page.locator("#deadline-wgic-18-2027")).to_have_text("2027-06-30 23:59")


async def test_send_a_broadcast(page: Page, web: Served, clock: FixedClock) -> None:
    await participant(web, clock)
    kofi = await slack_participant(web, clock)
    await page.get_by_role("link", name="Broadcast").click()
    await page.get_by_label("Message").fill("The deadline is in two weeks.")
    await page.get_by_role("button", name="Preview").click()
    await expect(page.locator("#audience")).to_have_text(
        "This message will go to 2 participants of wgic-18-2027."
    )
    await page.get_by_role("button", name="Send it to 2 participants").click()
    await expect(page.get_by_role("status")).to_have_text(
        "Delivered to 2 of 2; unreachable: 0; failed: 0; no running channel: 0."
        " Through Slack: 1. Through Telegram: 1."
    )
    last = web.fake.messages[PARTICIPANT_ID][-1]["text"]
    assert last == "Message from the secretariat:\n\nThe deadline is in two weeks."
    [section] = [b for b in web.slack.messages[kofi.dm][-1]["blocks"] if b["type"] == "section"]
    assert "The deadline is in two weeks." in section["text"]["text"]


async def test_download_the_docx_digest(page: Page, web: Served, clock: FixedClock) -> None:
    await answered_through_the_engine(web, clock)
    await page.get_by_role("link", name="Digest").click()
    async with page.expect_download() as waiting:
        await page.get_by_role("button", name="DOCX").click()
    download = await waiting.value
    assert download.suggested_filename.endswith(".docx")
    path = await download.path()
    with zipfile.ZipFile(path) as docx:
        assert COMMENT in docx.read("word/document.xml").decode()

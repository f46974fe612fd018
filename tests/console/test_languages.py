"""The console in the six languages: the browser's Accept-Language by default, the
administrator's choice kept for the session, every page's text from the catalogue, Arabic
right to left, dates as the viewer's language writes them."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
import pytest
from babel.messages.pofile import read_po

from bot.app import App
from bot.console.base import accepted
from handlers.i18n import LANGUAGE_NAMES, LOCALE_DIR, translator
from handlers.ports import FixedClock
from tests.console.conftest import signed_in
from tests.console.test_answers import answered, comment_id

PAGES = (
    "/console/",
    "/console/answers",
    "/console/invites",
    "/console/digest",
    "/console/deadlines",
    "/console/broadcast",
    "/console/reminders",
    "/console/audit",
    "/console/files",
)
ATTRIBUTES = frozenset({"title", "aria-label", "placeholder", "data-label"})
DATA = re.compile(
    r"wgic-|intersessional|UTC|DOCX|XLSX|HTML|\bMD\b|telegram:|Europe/|ai\d-"
    r"|^[a-z_]+\.[a-z_.]+$|\w=|participant:|^(settings|test|cli|web)$"  # audit entries
    r"|Criminologists without Borders|Notre commentaire|We contributed to it"
)
"""Text the console shows as it is in every language: ids, formats, commands, zones, and
what the participant wrote (their organisation, their answers)."""


class Texts(HTMLParser):
    """Every text node and readable attribute of a page, stripped."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("script", "style", "textarea", "code")
        self.found += [v.strip() for k, v in attrs if k in ATTRIBUTES and v and v.strip()]

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style", "textarea", "code")

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.found.append(data.strip())


def texts(html: str) -> list[str]:
    parser = Texts()
    parser.feed(html)
    return parser.found


def catalogue(language: str) -> dict[str, str]:
    """The catalogue's messages without placeholders: English → `language`."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    return {
        m.id: m.string
        for m in catalog
        if isinstance(m.id, str) and m.id and isinstance(m.string, str) and "{" not in m.id
    }


async def pages_of(client: httpx.AsyncClient, app: App, language: str) -> dict[str, str]:
    """Every console page as a browser asking for `language` first is served it."""
    client.headers["accept-language"] = f"{language}-XX, {language};q=0.9, en;q=0.5"
    answer = await comment_id(app)
    shown = {}
    for path in (*PAGES, f"/console/answers/{answer}"):
        response = await client.get(path)
        assert response.status_code == 200, path
        shown[path] = response.text
    signin = await client.get("/console/signin")
    shown["/console/signin"] = signin.text
    return shown


def test_the_language_is_negotiated_among_the_six() -> None:
    assert accepted("fr-CH, fr;q=0.9, en;q=0.8") == "fr"
    assert accepted("de-DE, de;q=0.9, ar;q=0.5, fr;q=0.4") == "ar"
    assert accepted("en;q=0.2, zh-Hans-CN") == "zh"
    assert accepted("ru;q=0, es;q=0.1") == "es"
    assert accepted("de, it") == "en"
    assert accepted("") == "en"
    assert accepted("fr;q=oops, es;q=0.5") == "es"


@pytest.mark.parametrize("language", ["fr", "ar", "zh"])
async def test_every_page_is_in_the_language_asked_for(
    client: httpx.AsyncClient, app: App, clock: FixedClock, language: str
) -> None:
    await answered(app, clock, "Notre commentaire sur le point deux")
    await signed_in(client, app)
    t = translator(language)
    messages = catalogue(language)
    english = {k for k, v in messages.items() if v != k}
    alike = {k for k, v in messages.items() if v == k}  # "Consultations" in French too
    direction = "rtl" if language == "ar" else "ltr"
    for path, html in (await pages_of(client, app, language)).items():
        assert f'<html lang="{language}" dir="{direction}">' in html, path
        found = texts(html)
        leftovers = [text for text in found if text in english]
        assert leftovers == [], path
        assert t._("Sign in to the console" if path.endswith("signin") else "Audit log") in found
    # Text that no catalogue holds would stay English in every language: compare with English.
    client.headers["accept-language"] = "en"
    in_english = {p: set(texts(h)) for p, h in (await pages_of(client, app, "en")).items()}
    for path, html in (await pages_of(client, app, language)).items():
        same = sorted(
            text
            for text in set(texts(html)) & in_english[path]
            if re.search(r"[A-Za-z]{4,}", text)
            and not DATA.search(text)
            and text not in alike | set(LANGUAGE_NAMES.values())
        )
        assert same == [], (path, same)


async def test_the_language_chosen_stays_for_the_session(
    client: httpx.AsyncClient, app: App
) -> None:
    csrf = await signed_in(client, app)
    client.headers["accept-language"] = "fr"
    assert '<html lang="fr" dir="ltr">' in (await client.get("/console/audit")).text
    chosen = await client.post(
        "/console/language", data={"csrf": csrf, "language": "ar", "back": "/console/audit?who=x"}
    )
    assert chosen.status_code == 303
    assert chosen.headers["location"] == "/console/audit?who=x"
    for path in PAGES:  # whatever the browser asks for
        page = await client.get(path)
        assert '<html lang="ar" dir="rtl">' in page.text, path
        assert '<option value="ar" lang="ar" selected>العربية</option>' in page.text
    await client.post("/console/language", data={"csrf": csrf, "language": "zh", "back": ""})
    assert '<html lang="zh" dir="ltr">' in (await client.get("/console/files")).text


async def test_a_language_switch_without_the_token_or_to_another_site_is_refused(
    client: httpx.AsyncClient, app: App
) -> None:
    csrf = await signed_in(client, app)
    refused = await client.post("/console/language", data={"language": "ru", "back": "/console/"})
    assert refused.status_code == 403
    assert '<html lang="en" dir="ltr">' in (await client.get("/console/")).text
    away = await client.post(
        "/console/language", data={"csrf": csrf, "language": "ru", "back": "//evil.example/"}
    )
    assert away.headers["location"] == "/console/"
    unknown = await client.post(
        "/console/language", data={"csrf": csrf, "language": "de", "back": "/console/files"}
    )
    assert unknown.headers["location"] == "/console/files"
    page = await client.get("/console/files")
    assert '<html lang="ru" dir="ltr">' in page.text  # the earlier choice stands
    assert "Консоль недоступна на языке de." in page.text


async def test_dates_messages_and_escaping_in_the_viewers_language(
    client: httpx.AsyncClient, app: App, clock: FixedClock
) -> None:
    await answered(app, clock)
    csrf = await signed_in(client, app)
    client.headers["accept-language"] = "fr"
    overview = await client.get("/console/")
    assert "31 mai 2027, 23:59 (heure de Europe/Vienna)" in overview.text
    answer = await comment_id(app)
    await client.post(
        f"/console/answers/{answer}/hide", data={"csrf": csrf, "reason": "hors sujet"}
    )
    page = await client.get(f"/console/answers/{answer}")
    said = translator("fr")._(
        "Answer {id} is hidden from digests and exports; it stays in the database.", id=answer
    )
    assert f'<p class="said ok" role="status">{said}</p>' in page.text
    assert "Masquée dans les synthèses et les exportations" in page.text
    client.headers["accept-language"] = "ar"
    arabic = await client.get(f"/console/answers/{answer}")
    assert "<script>alert" not in arabic.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in arabic.text
    overview = await client.get("/console/")
    assert "31 أيار/مايو 2027، 23:59 (بتوقيت Europe/Vienna)" in overview.text

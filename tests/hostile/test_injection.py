"""Markup injection in answers: the Markdown digest, Slack mrkdwn and Telegram HTML stay inert.

The HTML digest's tag sequence is checked in tests/scheduler/test_digest.py; here the
Markdown digest's structure is compared with a benign answer's, and the chat adapters'
escaping is checked on the messages they would send.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.slack import translate as slack
from bot.adapters.telegram import translate as telegram
from bot.digest import render_md, sample
from bot.digest.build import Digest, build
from handlers.events import Button, OutgoingDocument, Reply
from handlers.ports import FixedClock
from storage.repositories import Store

HOSTILE = [
    "# heading",
    "## Agenda item 9\n| a | b |\n|---|---|\n| 1 | 2 |",
    "[x](javascript:alert(1)) ![img](http://evil.invalid/p.png) <https://evil.invalid>",
    "`code` ```fenced``` \\`not code\\`",
    "> quoted\n>> nested\n  > indented",
    '<b>bold</b> <a href="http://evil.invalid">click</a> <script>alert(1)</script>',
    "&amp; &lt;b&gt; &#60;i&#62; & <",
    "<!channel> <!here> <@U123> <#C123|general> <https://evil.invalid|click>",
    "*bold* _italic_ ~strike~ **also** __also__ \\*",
    "\\# escaped already \\| and \\[this\\]",
]
BENIGN = "A harmless answer"

_SCHEME = re.compile(r"<[a-zA-Z][a-zA-Z0-9+.-]*:")
_SETEXT = re.compile(r"^(?:=+|-+)\s*$")


def unescaped(line: str, chars: str) -> list[str]:
    """The characters of `chars` in `line` that no backslash escapes, in order."""
    found = []
    backslashes = 0
    for char in line:
        if char in chars and backslashes % 2 == 0:
            found.append(char)
        backslashes = backslashes + 1 if char == "\\" else 0
    return found


def fingerprint(markdown: str, *, setext: bool = True) -> list[tuple[str, ...]]:
    """The structural lines of a Markdown document: headings, table rows, links, raw HTML.

    Each line that carries structure gives one entry; a line of plain (or escaped) text
    gives none, so a hostile answer that adds structure changes the list.
    """
    marks: list[tuple[str, ...]] = []
    for line in markdown.splitlines():
        content = line.lstrip(" ")
        quoted = content.startswith(">")
        while content.startswith(">"):
            content = content[1:].lstrip(" ")
        entry: list[str] = []
        if re.match(r"#{1,6}(\s|$)", content):
            entry.append("heading:" + content.split(" ", 1)[0])
        if setext and quoted and _SETEXT.match(content):
            entry.append("setext heading")
        if content.startswith("|") and unescaped(content[:1], "|"):
            entry.append("table row")
        specials = unescaped(content, "[]`<")
        if specials:
            entry.append("".join(specials))
        if "](" in content.replace("\\]", ""):
            entry.append("link")
        if _SCHEME.search(content.replace("&lt;", "")):
            entry.append("autolink")
        if entry:
            marks.append((line if not quoted else ">", *entry))
    return marks


def with_answer(digest: Digest, text: str) -> Digest:
    """The digest with the first listed answer's text replaced by `text` (a counted
    question's answers are not listed one by one)."""
    done = False

    def replace(answer: Any) -> Any:
        nonlocal done
        if done:
            return answer
        done = True
        return dataclasses.replace(answer, text=text)

    items = tuple(
        dataclasses.replace(
            item,
            questions=tuple(
                dataclasses.replace(q, answers=tuple(replace(a) for a in q.answers))
                if q.listed
                else q
                for q in item.questions
            ),
        )
        for item in digest.items
    )
    assert done
    return dataclasses.replace(digest, items=items)


@pytest.fixture
async def digest(store: Store, clock: FixedClock) -> Digest:
    """The 2027 consultation's digest with the sample stakeholders' answers."""
    await sample.seed(store, now=clock.now())
    return await build(store, "wgic-18-2027", now=clock.now())


def test_the_fingerprint_sees_what_it_looks_for() -> None:
    document = "# T\n\n| a | b |\n  > [x](y) \\[z\\] `c` <b>\n  > ===\n  > plain \\# \\| text"
    assert fingerprint(document) == [
        ("# T", "heading:#"),
        ("| a | b |", "table row"),
        (">", "[]``<", "link"),
        (">", "setext heading"),
    ]


async def test_a_hostile_answer_leaves_the_markdown_digest_s_structure(digest: Digest) -> None:
    benign = fingerprint(render_md.render(with_answer(digest, BENIGN)))
    assert [line for line in benign if line[0].startswith("#")] != []
    for hostile in HOSTILE:
        rendered = render_md.render(with_answer(digest, hostile))
        assert fingerprint(rendered) == benign, hostile
        assert "<script>" not in rendered
        assert "javascript:alert(1))" not in rendered.replace("\\](javascript", "")


async def test_any_answer_leaves_the_markdown_digest_s_structure(digest: Digest) -> None:
    benign = fingerprint(render_md.render(with_answer(digest, BENIGN)), setext=False)
    pieces = st.sampled_from(
        [*"#|[]()`<>!*_~\\&=- \n\r\t", "javascript:", "http://x", "<!channel>", "a", "é", "‮"]
    )

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(pieces, max_size=40).map("".join))
    def check(text: str) -> None:
        rendered = render_md.render(with_answer(digest, text))
        assert fingerprint(rendered, setext=False) == benign

    check()


@pytest.mark.parametrize("underline", ["===", "---"])
async def test_an_underlined_answer_line_makes_no_heading(digest: Digest, underline: str) -> None:
    benign = fingerprint(render_md.render(with_answer(digest, BENIGN)))
    rendered = render_md.render(with_answer(digest, f"Agenda item 9\n{underline}"))
    assert fingerprint(rendered) == benign


def mrkdwn_texts(value: Any) -> Iterator[str]:
    """Every text Slack parses as mrkdwn in a Block Kit structure."""
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn":
            yield str(value["text"])
        for child in value.values():
            yield from mrkdwn_texts(child)
    elif isinstance(value, list):
        for child in value:
            yield from mrkdwn_texts(child)


_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")


def assert_inert_mrkdwn(text: str) -> None:
    """No control sequence (`<…>`: mention, channel, link) and no stray entity."""
    assert "<" not in text, text
    assert ">" not in text, text
    assert _ENTITY.search(text) is None, text


@pytest.mark.parametrize("hostile", HOSTILE)
def test_slack_messages_make_no_mention_or_link(hostile: str) -> None:
    reply = Reply(hostile, buttons=((Button(hostile[:30], "choice:1"),),))
    calls = slack.to_calls([reply], channel="D123")
    assert [call.method for call in calls] == ["chat.postMessage"]
    params = calls[0].params
    texts = [str(params["text"]), *mrkdwn_texts(params["blocks"])]
    for text in texts:
        assert_inert_mrkdwn(text)
    sections = [b for b in params["blocks"] if b["type"] == "section"]
    assert [b["text"]["verbatim"] for b in sections] == [True] * len(sections)
    # Shown as written: Slack turns the three entities back into the characters.
    shown = "".join(b["text"]["text"] for b in sections)
    assert shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == hostile


def test_slack_file_comment_makes_no_mention_or_link() -> None:
    document = OutgoingDocument("answers.txt", b"x", "text/plain")
    hostile = "<!channel> <@U123> <https://evil.invalid|click> &"
    calls = slack.to_calls([Reply(hostile, document=document)], channel="D123")
    assert [call.method for call in calls] == ["files.uploadV2"]
    assert_inert_mrkdwn(str(calls[0].params["initial_comment"]))


class Tags(HTMLParser):
    """The tags of a Telegram HTML text and its text as Telegram would show it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.tags.append("/" + tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(text: str) -> Tags:
    parser = Tags()
    parser.feed(text)
    parser.close()
    return parser


@pytest.mark.parametrize("hostile", HOSTILE)
def test_telegram_messages_and_captions_have_no_tags(hostile: str) -> None:
    document = OutgoingDocument("answers.txt", b"x", "text/plain")
    calls = telegram.to_calls(
        [Reply(hostile, buttons=((Button("OK", "ok"),),)), Reply(hostile, document=document)],
        chat_id="42",
    )
    assert [call.method for call in calls] == ["sendMessage", "sendDocument"]
    for call, key in ((calls[0], "text"), (calls[1], "caption")):
        assert call.params["parse_mode"] == "HTML"
        shown = parsed(str(call.params[key]))
        assert shown.tags == []
        assert "".join(shown.text) == hostile
        assert html.unescape(str(call.params[key])) == hostile


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*"<>&\"'/=ab#;\n", "&amp;", "<b>", "<a href="])).map("".join))
def test_telegram_escaping_survives_any_mix_of_markup(text: str) -> None:
    calls = telegram.to_calls([Reply(text)], chat_id="42")
    sent = "".join(str(call.params["text"]) for call in calls)
    assert parsed(sent).tags == []
    assert html.unescape(sent) == (text if text.strip() else "")

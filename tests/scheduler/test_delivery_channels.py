"""`intersessional digest --send` reaches a Telegram group and a Slack channel through the
real channels, against the fake Bot API and the fake Web API on loopback.

`main()` runs its own event loop, so the command runs in a worker thread while the fakes
serve from the test's loop.
"""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.commandline import point_at, run
from tests.fakes import serve_loopback
from tests.fakes.slack_server import TOKEN as SLACK_TOKEN
from tests.fakes.slack_server import FakeSlack
from tests.fakes.telegram_server import TOKEN as TELEGRAM_TOKEN
from tests.fakes.telegram_server import FakeTelegram, parse_html

CONSULTATION = textwrap.dedent(
    """\
    id: test-digest
    title: {en: "Digest test"}
    working_group: {en: "Working Group on International Cooperation"}
    dialogue:
      title: {en: "A dialogue"}
      date: 2027-06-10
      timezone: UTC
    opens: 2026-01-01T00:00:00+00:00
    deadline: 2027-05-31T21:59:00+00:00
    agenda_items:
      - number: "2"
        title: {en: "Briefing"}
        questions:
          - id: q1
            type: yes_no
            required: true
            text: {en: "Is it clear?"}
    digest:
      destinations:
        - kind: telegram
          target: "-100123"
          formats: [docx]
        - kind: slack
          target: "C0DIGEST"
    """
)


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    """The fake Bot API on 127.0.0.1."""
    server = FakeTelegram()
    async with serve_loopback(server.app) as url:
        server.url = url
        try:
            yield server
        finally:
            server.close()


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    """The fake Web API on 127.0.0.1."""
    server = FakeSlack()
    async with serve_loopback(server.app) as url:
        server.url = url
        yield server


@pytest.fixture
def cli(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    database_url: str,
    telegram: FakeTelegram,
    slack: FakeSlack,
) -> Path:
    """The command line with both platforms configured at the fakes, and the consultation."""
    point_at(monkeypatch, tmp_path, database_url)
    folder = tmp_path / "consultations"
    folder.mkdir()
    (folder / "test-digest.yaml").write_text(CONSULTATION, encoding="utf-8")
    monkeypatch.setenv("CONSULTATIONS_PATH", str(folder))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM_TOKEN)
    monkeypatch.setenv("TELEGRAM_BASE_URL", f"{telegram.url}/bot")
    monkeypatch.setenv("SLACK_BOT_TOKEN", SLACK_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", f"{slack.url}/api/")
    return tmp_path


async def test_digest_send_reaches_a_telegram_group_and_a_slack_channel(
    cli: Path, telegram: FakeTelegram, slack: FakeSlack, capsys: pytest.CaptureFixture[str]
) -> None:
    out = cli / "digest.md"

    result = await asyncio.to_thread(
        run,
        capsys,
        "digest",
        "--consultation",
        "test-digest",
        "--out",
        str(out),
        "--send",
    )

    assert result.code == 0, result.err
    assert result.err.splitlines()[-2:] == [
        "telegram -100123: sent after 1 try",
        "slack C0DIGEST: sent after 1 try",
    ]
    [message] = telegram.sent("sendMessage", chat_id=-100123)
    assert parse_html(message.params["text"]).startswith("Digest: ")
    [document] = telegram.sent("sendDocument", chat_id=-100123)
    filename, content = document.files["document"]
    assert filename.startswith("digest-test-digest-")
    assert filename.endswith(".docx")
    assert content.startswith(b"PK")
    # Only sending: no polling and no webhook change on the Bot API.
    assert {call.method for call in telegram.calls} == {"getMe", "sendMessage", "sendDocument"}

    posted = [call for call in slack.calls_of("chat.postMessage") if call.status == 200]
    assert [call.params["channel"] for call in posted] == ["C0DIGEST"]
    assert posted[0].params["text"].startswith("Digest: ")
    assert [call.method for call in slack.calls if call.method != "chat.postMessage"] == [
        "auth.test",  # The workspace whose pace the messages keep, asked once at start.
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]
    uploads = sorted(slack.uploads.values(), key=lambda upload: upload.filename)
    assert [(u.channel, u.filename.rsplit(".", 1)[1]) for u in uploads] == [
        ("C0DIGEST", "docx"),
        ("C0DIGEST", "xlsx"),
    ]
    assert all(len(u.content) == u.length > 0 for u in uploads)

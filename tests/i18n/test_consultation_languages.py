"""Consultation texts per language: what falls back to English is listed, and shown in English."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.app import load_into
from bot.cli import main
from config.consultation import load_consultations, missing_translations
from config.settings import BUNDLED_CONSULTATIONS, Settings
from handlers.ports import FixedClock
from storage.repositories import Store
from tests.conftest import Chat


def partly_translated(folder: Path) -> Path:
    """The open sample consultation with a few translations taken out."""
    data: dict[str, Any] = yaml.safe_load(
        (BUNDLED_CONSULTATIONS / "wgic-18-2027.yaml").read_text(encoding="utf-8")
    )
    item = data["agenda_items"][0]
    del data["title"]["ar"]
    del item["questions"][0]["text"]["ar"]
    del item["questions"][0]["text"]["zh"]
    del item["questions"][0]["choices"][0]["label"]["zh"]
    del item["questions"][1]["help"]["fr"]
    path = folder / "partly-translated.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting from the caller's environment, and no stray `.env` in the cwd."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.usefixtures("clean_environment")
def test_validator_lists_what_falls_back_per_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = partly_translated(tmp_path)
    assert missing_translations(load_consultations(path)[0]) == {"fr": 1, "zh": 2, "ar": 2}
    assert main(["consultations", "validate", str(path)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "wgic-18-2027: valid",
        "  1 texts fall back to English in fr",
        "  2 texts fall back to English in zh",
        "  2 texts fall back to English in ar",
    ]


async def test_a_missing_text_is_shown_in_english(
    chat: Chat, invite: str, store: Store, clock: FixedClock, tmp_path: Path
) -> None:
    await load_into(store, load_consultations(partly_translated(tmp_path)), clock)
    await chat.say(f"/start {invite}")
    await chat.press("中文")
    for label in ("我同意", "是，可以公布", "仅组织名称", "信息无误", "女"):
        await chat.press(label)
    await chat.press("2027年建设性对话")
    await chat.press("议程项目2")
    assert chat.replies[0].text.splitlines()[1:4] == [
        "第1题，共3题 · 必答",
        "",
        "How familiar is your organization with the review of your country under the Mechanism?",
    ]
    assert chat.labels[:2] == ["We contributed to it", "我们了解情况，但未作出贡献"]

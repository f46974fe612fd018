"""Weekly and final digests: when they are due, and each sent once through the ledger."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.digest import sample
from bot.digest.schedule import (
    DigestFacts,
    Occasion,
    digest_key,
    due_digests,
    final_due,
    latest_weekly,
    sweep,
)
from config.consultation import DigestSettings, WeeklyDigest
from config.settings import Settings
from handlers.ports import FixedClock
from storage.models import DeliveryStatus
from storage.repositories import Store
from tests.scheduler.conftest import ledger

MONDAY_0900_VIENNA = datetime(2027, 1, 18, 8, 0, tzinfo=UTC)
FINAL = datetime(2027, 6, 14, 7, 0, tzinfo=UTC)
"""Two days before the dialogue of 16 June 2027, at 09:00 in Vienna (CEST)."""

FACTS = DigestFacts(
    id="wgic-18-2027",
    timezone="Europe/Vienna",
    opens_at=datetime(2026, 11, 1, 23, 0, tzinfo=UTC),
    dialogue_date=date(2027, 6, 16),
    settings=DigestSettings(),
    grace=timedelta(hours=12),
)


def test_weekly_digests_fall_on_the_configured_weekday_and_local_hour() -> None:
    assert latest_weekly(FACTS, MONDAY_0900_VIENNA) == MONDAY_0900_VIENNA
    assert latest_weekly(FACTS, MONDAY_0900_VIENNA - timedelta(minutes=1)) == (
        MONDAY_0900_VIENNA - timedelta(days=7)
    )
    friday = FACTS.__class__(
        **{
            **FACTS.__dict__,
            "settings": DigestSettings(weekly=WeeklyDigest(weekday="friday", hour=16)),
        }  # type: ignore[arg-type]
    )
    assert latest_weekly(friday, MONDAY_0900_VIENNA) == datetime(2027, 1, 15, 15, 0, tzinfo=UTC)
    assert latest_weekly(FACTS, datetime(2026, 11, 1, tzinfo=UTC)) is None  # before opening
    assert latest_weekly(FACTS, FINAL + timedelta(days=10)) is None  # the final one took over
    assert final_due(FACTS) == FINAL


def test_due_digests_once_and_late_beyond_the_grace() -> None:
    [weekly] = due_digests(FACTS, set(), MONDAY_0900_VIENNA + timedelta(hours=1))
    assert (weekly.occasion, weekly.due_at, weekly.late) == (
        Occasion.WEEKLY,
        MONDAY_0900_VIENNA,
        False,
    )
    assert due_digests(FACTS, {weekly.key}, MONDAY_0900_VIENNA + timedelta(hours=1)) == []
    [late] = due_digests(FACTS, set(), MONDAY_0900_VIENNA + timedelta(hours=13))
    assert late.late
    final = [d for d in due_digests(FACTS, set(), FINAL) if d.occasion == Occasion.FINAL]
    assert [(d.key, d.late) for d in final] == [
        ("digest:wgic-18-2027:final:2027-06-14T07:00Z", False)
    ]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The bundled consultation writes its digests under digests/ in the working directory."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


async def test_the_weekly_digest_goes_to_its_destinations_once(
    store: Store, clock: FixedClock, workdir: Path
) -> None:
    await sample.seed(store, now=clock.now())
    clock.set(MONDAY_0900_VIENNA + timedelta(minutes=1))
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    first, second = await asyncio.gather(
        sweep(store, {}, clock, settings), sweep(store, {}, clock, settings)
    )
    sent = [run for run in first + second if run.status == DeliveryStatus.SENT]
    assert [run.key for run in sent] == ["digest:wgic-18-2027:weekly:2027-01-18T08:00Z"]
    assert [(o.kind, o.ok) for o in sent[0].outcomes] == [("directory", True)]
    folder = workdir / "digests" / "wgic-18-2027"
    assert sorted(p.name for p in folder.iterdir()) == [
        "digest-wgic-18-2027-2027-01-18.docx",
        "digest-wgic-18-2027-2027-01-18.md",
        "digest-wgic-18-2027-2027-01-18.xlsx",
    ]
    rows = {row.key: row for row in await ledger(store)}
    weekly = rows["digest:wgic-18-2027:weekly:2027-01-18T08:00Z"]
    assert weekly.status == DeliveryStatus.SENT
    assert weekly.detail["destinations"] == [
        {
            "kind": "directory",
            "target": "digests/wgic-18-2027",
            "ok": True,
            "attempts": 1,
            "error": None,
        }
    ]
    # The 2023 consultation's final digest was missed long ago: recorded once, not sent.
    old = rows["digest:wgic-14-2023:final:2023-09-11T07:00Z"]
    assert (old.status, old.detail["reason"]) == (DeliveryStatus.SKIPPED, "late")
    assert await sweep(store, {}, clock, settings) == []

    # The next week's digest marks what is new since this one.
    clock.set(MONDAY_0900_VIENNA + timedelta(days=7))
    [run] = await sweep(store, {}, clock, settings)
    assert run.status == DeliveryStatus.SENT
    rows = {row.key: row for row in await ledger(store)}
    assert rows[run.key].detail["new_answers"] == 0
    assert rows[run.key].detail["answers"] == 163


async def test_the_final_digest_is_sent_before_the_dialogue(
    store: Store, clock: FixedClock, workdir: Path
) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    clock.set(FINAL + timedelta(hours=2))
    runs = await sweep(store, {}, clock, settings)
    assert [(run.key, run.status) for run in runs] == [
        ("digest:wgic-14-2023:final:2023-09-11T07:00Z", DeliveryStatus.SKIPPED),
        ("digest:wgic-18-2027:final:2027-06-14T07:00Z", DeliveryStatus.SENT),
    ]
    files = sorted(p.name for p in (workdir / "digests" / "wgic-18-2027").iterdir())
    assert files[0] == "final-digest-wgic-18-2027-2027-06-14.docx"
    assert digest_key("x", Occasion.MANUAL, FINAL) == "digest:x:manual:2027-06-14T07:00Z"

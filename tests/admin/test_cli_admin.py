"""The secretariat's actions on the command line: administrators, audit, and the chat mirrors."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.repositories import Store
from tests.commandline import run, with_store


def test_admin_add_list_remove_and_audit(
    cli: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, "admin", "add", "telegram:12345").out == "telegram:12345 added\n"
    again = run(capsys, "admin", "add", "telegram:12345")
    assert (again.code, again.err) == (
        2,
        "intersessional: telegram:12345 is already an administrator\n",
    )
    assert run(capsys, "admin", "add", "fax:1").code == 2
    listed = run(capsys, "admin", "list").out.split("\t")
    assert listed[:2] == ["telegram:12345", "added by cli"]
    assert run(capsys, "admin", "remove", "telegram:12345").out == "telegram:12345 removed\n"
    assert run(capsys, "admin", "list").out == ""
    audit = run(capsys, "audit", "--since", "2000-01-01").out.splitlines()
    assert [line.split("\t")[1:4] for line in audit] == [
        ["cli", "cli", "admin.added"],
        ["cli", "cli", "admin.removed"],
    ]
    assert run(capsys, "audit", "--since", "2999-01-01").out == ""


def test_admins_from_the_environment_are_added_once(
    cli: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ADMINS", "telegram:12345, slack:U0ABC")
    run(capsys, "admin", "list")
    listed = run(capsys, "admin", "list").out.splitlines()
    assert [line.split("\t")[:2] for line in listed] == [
        ["telegram:12345", "added by ADMINS"],
        ["slack:U0ABC", "added by ADMINS"],
    ]
    monkeypatch.setenv("ADMINS", "telegram")
    bad = run(capsys, "admin", "list")
    assert bad.code == 2
    assert "ADMINS" in bad.err


def test_mirrors_of_the_chat_actions(
    cli: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    extended = run(capsys, "deadline", "extend", "2027-06-30", "--consultation", "wgic-18-2027")
    assert extended.out.startswith("The deadline of wgic-18-2027 is now")
    closed = run(capsys, "close", "--consultation", "wgic-18-2027", "--item", "3")
    assert closed.out == "Submissions for agenda item 3 of wgic-18-2027 are closed.\n"
    reopened = run(capsys, "reopen", "--consultation", "wgic-18-2027")
    assert reopened.out == "Submissions for wgic-18-2027 are open again.\n"
    missing = run(capsys, "hide", "7", "spam")
    assert (missing.code, missing.err) == (2, "intersessional: There is no answer 7.\n")
    assert run(capsys, "approve", "4").err == (
        "intersessional: Participant 4 is not waiting for approval.\n"
    )
    assert run(capsys, "pending").out == ""
    assert run(capsys, "invite", "list").out == "There are no invites.\n"
    assert run(capsys, "invite", "revoke", "NOPE2345").code == 2

    async def state(store: Store) -> tuple[bool, bool, str]:
        async with store.transaction() as uow:
            row = await uow.consultations.get("wgic-18-2027")
            assert row is not None
            items = {i.number: i.closed for i in await uow.consultations.items(row.id)}
            return row.closed, items["3"], row.effective_deadline.isoformat()

    assert with_store(database_url, state) == (False, True, "2027-06-30T21:59:00+00:00")
    audit = run(capsys, "audit").out.splitlines()
    assert [line.split("\t")[3] for line in audit] == [
        "admin.deadline_extended",
        "admin.closed",
        "admin.reopened",
    ]

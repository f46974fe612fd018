"""Every `--consultation` and `--item` of the command line that names nothing loaded is
refused with the valid ids, before the command does anything (issue 17, item 4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.commandline import run

KNOWN = "the consultations are wgic-14-2023, wgic-18-2027"

WITH_A_CONSULTATION = [
    ["stats"],
    ["digest", "--format", "md"],
    ["digest", "--format", "docx", "--send"],
    ["export", "--format", "json"],
    ["export", "--format", "csv", "--published"],
    ["invite", "create", "--org", "Criminologists without Borders", "--category", "ngo"],
    ["invite", "list"],
    ["deadline", "extend", "2027-06-30"],
    ["close"],
    ["reopen"],
    ["broadcast", "The deadline is near."],
    ["broadcast", "The deadline is near.", "--yes"],
    ["seed-demo"],
]


@pytest.mark.parametrize("command", WITH_A_CONSULTATION, ids=lambda c: " ".join(c[:2]))
def test_an_unknown_consultation_lists_the_loaded_ones(
    cli: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    result = run(capsys, *command, "--consultation", "nope")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        f"intersessional: --consultation nope: no such consultation is loaded; {KNOWN}\n"
    )
    assert not [path for path in cli.iterdir() if path.suffix in (".docx", ".md")]


@pytest.mark.parametrize("command", ["close", "reopen"])
def test_an_unknown_agenda_item_lists_the_consultations_items(
    cli: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    result = run(capsys, command, "--consultation", "wgic-18-2027", "--item", "99")
    assert (result.code, result.out) == (2, "")
    assert result.err == (
        "intersessional: --item 99: wgic-18-2027 has no such agenda item; its items are 2, 3, 4\n"
    )


def test_a_known_consultation_and_item_pass(cli: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = run(capsys, "close", "--consultation", "wgic-18-2027", "--item", "3")
    assert (result.code, result.err) == (0, "")
    result = run(capsys, "stats", "--consultation", "wgic-14-2023")
    assert (result.code, result.err) == (0, "")

"""Tests of `intersessional consultations validate` and of a start-up without a database."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from config.settings import BUNDLED_CONSULTATIONS, Settings

FIXTURES = Path(__file__).parent.parent / "fixtures" / "consultations"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting from the caller's environment, and no stray `.env` in the cwd."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_validate_a_good_file(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["consultations", "validate", str(FIXTURES / "valid.yaml")])
    out, err = capsys.readouterr()
    assert code == 0
    assert out.splitlines() == [
        "test-2027: valid",
        "  17 texts fall back to English in fr",
        "  19 texts fall back to English in es",
        "  19 texts fall back to English in ru",
        "  19 texts fall back to English in zh",
        "  19 texts fall back to English in ar",
    ]
    assert err == ""


def test_validate_the_bundled_directory(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["consultations", "validate", str(BUNDLED_CONSULTATIONS)])
    out, err = capsys.readouterr()
    assert code == 0
    assert out == "wgic-14-2023: valid\nwgic-18-2027: valid\n"
    assert err == ""


def test_validate_a_bad_file(capsys: pytest.CaptureFixture[str]) -> None:
    bad = FIXTURES / "choice-without-choices.yaml"
    code = main(["consultations", "validate", str(bad)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err == (
        "intersessional: configuration problem\n"
        f"  {bad}: agenda_items[2].questions[0].choices: a choice question needs at least two "
        "choices. Fix: list the choices, each with an id and a label\n"
    )
    assert str(bad) in err
    assert "agenda_items[2].questions[0].choices" in err
    assert "Fix:" in err


def test_validate_lists_every_problem(capsys: pytest.CaptureFixture[str]) -> None:
    bad = FIXTURES / "several-problems.yaml"
    code = main(["consultations", "validate", str(bad)])
    _, err = capsys.readouterr()
    assert code == 2
    lines = err.splitlines()
    assert lines[0] == "intersessional: configuration problem"
    assert len(lines) == 7
    assert all(line.startswith(f"  {bad}: ") and "Fix: " in line for line in lines[1:])


def test_validate_a_yaml_syntax_error(capsys: pytest.CaptureFixture[str]) -> None:
    bad = FIXTURES / "syntax-error.yaml"
    code = main(["consultations", "validate", str(bad)])
    _, err = capsys.readouterr()
    assert code == 2
    assert f"  {bad}: line 7, column 4: not valid YAML" in err
    assert "Fix: check the indentation and quoting there" in err


def test_validate_a_directory_with_a_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(FIXTURES / "valid.yaml", tmp_path / "good.yaml")
    shutil.copy(FIXTURES / "not-a-mapping.yaml", tmp_path / "bad.yaml")
    code = main(["consultations", "validate", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err == (
        "intersessional: configuration problem\n"
        f"  {tmp_path / 'bad.yaml'}: the file does not hold a mapping. "
        "Fix: start with `id: ...`\n"
    )


@pytest.mark.parametrize("command", ["validate", "load"])
def test_validate_a_nonexistent_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    missing = tmp_path / "nonexistent.yaml"
    code = main(["consultations", command, str(missing)])
    _, err = capsys.readouterr()
    assert code == 2
    assert err == (
        "intersessional: configuration problem\n"
        f"  {missing}: does not exist. Fix: check the path given on the command line\n"
    )


def test_a_bad_setting_stops_the_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORT", "abc")
    code = main(["consultations", "validate", str(FIXTURES / "valid.yaml")])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.startswith("intersessional: configuration problem\n  environment: PORT: ")


def test_an_unreachable_database_stops_start_up_with_one_clear_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Port 1 on the loopback refuses at once; the socket guard allows loopback.
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres:s3cret@127.0.0.1:1/nope")
    code = main(["consultations", "list"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "intersessional: configuration problem"
    assert len(lines) == 2
    assert lines[1].startswith(
        "  DATABASE_URL: postgresql+asyncpg://postgres:***@127.0.0.1:1/nope: "
        "cannot reach the database ("
    )
    assert lines[1].endswith(". Fix: start the database server or correct DATABASE_URL")
    assert "s3cret" not in err


def test_an_unparsable_database_url_stops_start_up_with_one_clear_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres:s3cret@127.0.0.1:abc/nope")
    code = main(["consultations", "list"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "DATABASE_URL" in err
    assert "Fix: " in err
    assert "s3cret" not in err


EVERY_KIND = FIXTURES / "every-kind-of-problem.yaml"


def every_kind_of_problem() -> list[str]:
    """The problems of `every-kind-of-problem.yaml`, each naming its file, field and fix."""
    at = f"  {EVERY_KIND}: "
    return [
        at + "dialogue.venu: unknown key. Fix: remove it, or check its spelling against "
        "docs/consultations.md#dialogue",
        at + "agenda_items[0].questions[0].hint: unknown key. Fix: remove it, or check its "
        "spelling against docs/consultations.md#questions",
        at + "agenda_items[0].questions[1].scale_min: Input should be a valid integer, unable "
        "to parse string as an integer. Fix: give a whole number",
        at + "colour: unknown key. Fix: remove it, or check its spelling against "
        "docs/consultations.md#the-file",
        at + "deadline: the deadline is not after the opening. Fix: set deadline later than opens",
        at + "agenda_items[0].questions[0].choices: a choice question needs at least two "
        "choices. Fix: list the choices, each with an id and a label",
        at + "agenda_items[1].questions[0].choices: a text question takes no choices. "
        "Fix: remove them",
    ]


def test_validate_reports_every_kind_of_problem_in_one_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["consultations", "validate", str(EVERY_KIND)])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.splitlines() == ["intersessional: configuration problem", *every_kind_of_problem()]


def test_start_up_with_a_bad_consultation_stops_with_every_problem(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CONSULTATIONS_PATH", str(EVERY_KIND))
    code = main(["consultations", "list"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.splitlines() == ["intersessional: configuration problem", *every_kind_of_problem()]

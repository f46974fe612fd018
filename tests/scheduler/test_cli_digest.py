"""`intersessional digest`: a file for every format asked, in the working directory or
--out-dir, one format on standard output with `--out -`; the dialogue's figures given on the
command line; and every argument that cannot be used refused with the valid values."""

from __future__ import annotations

import fnmatch
import io
from pathlib import Path

import pytest
from docx import Document

from bot.digest.deliver import FORMATS
from storage.models import Delivery
from storage.repositories import Store
from tests.commandline import Run, run, with_store

REPOSITORY = Path(__file__).resolve().parents[2]


def seed(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "seed-demo").code == 0


def digest(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    return run(capsys, "digest", "--consultation", "wgic-18-2027", *argv)


def ignored(name: str) -> bool:
    """Whether the repository's .gitignore ignores a file of that name at its top."""
    lines = (REPOSITORY / ".gitignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return any(fnmatch.fnmatch(name, pattern.lstrip("/")) for pattern in patterns)


def written_digests(database_url: str) -> list[Delivery]:
    async def rows(store: Store) -> list[Delivery]:
        async with store.transaction() as uow:
            return [row for row in await uow.deliveries.everything() if row.kind == "digest"]

    return with_store(database_url, rows, load=False)


def test_every_format_is_written_to_the_working_directory_by_default(
    cli: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(capsys)
    result = digest(capsys)
    assert (result.code, result.out) == (0, ""), result.err
    files = sorted(cli.glob("digest-wgic-18-2027-*"))
    assert [f.suffix for f in files] == [".docx", ".html", ".md", ".xlsx"]
    day = files[0].name.removeprefix("digest-wgic-18-2027-").removesuffix(".docx")
    assert fnmatch.fnmatch(day, "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]")
    assert result.err.splitlines() == [
        f"Digest of wgic-18-2027 written to digest-wgic-18-2027-{day}.{fmt}" for fmt in FORMATS
    ]
    assert all(ignored(f.name) for f in files)  # never committed by mistake
    assert not ignored("digest.py")
    assert (
        (cli / f"digest-wgic-18-2027-{day}.md")
        .read_text(encoding="utf-8")
        .startswith(
            "*Internal — not for publication*\n\n# Digest: Constructive dialogue 2027 (WGIC 18)\n"
        )
    )
    [row] = written_digests(database_url)  # one digest, one period, four files
    assert [d["target"] for d in row.detail["destinations"]] == [
        f"digest-wgic-18-2027-{day}.{fmt}" for fmt in FORMATS
    ]


def test_formats_asked_into_another_folder_and_one_file_by_its_name(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(capsys)
    result = digest(capsys, "--format", "md,docx", "--out-dir", "out/digests")
    assert result.code == 0, result.err
    assert sorted(f.suffix for f in (cli / "out" / "digests").iterdir()) == [".docx", ".md"]
    assert result.err.splitlines()[0].startswith(
        "Digest of wgic-18-2027 written to out/digests/digest-wgic-18-2027-"
    )
    again = digest(capsys, "--format", "xlsx", "--format", "html", "--out-dir", "elsewhere")
    assert sorted(f.suffix for f in (cli / "elsewhere").iterdir()) == [".html", ".xlsx"]
    assert again.code == 0
    named = digest(capsys, "--out", "for-the-chair.html")
    assert named.err == "Digest of wgic-18-2027 written to for-the-chair.html\n"
    assert (cli / "for-the-chair.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    docx = digest(capsys, "--format", "docx", "--out", "summary-draft.bin")
    assert docx.code == 0
    Document(io.BytesIO((cli / "summary-draft.bin").read_bytes()))  # a DOCX, as asked


def test_standard_output_takes_one_format(cli: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed(capsys)
    markdown = digest(capsys, "--out", "-")
    assert (markdown.code, markdown.err) == (0, "")
    assert markdown.out.startswith(
        "*Internal — not for publication*\n\n# Digest: Constructive dialogue 2027 (WGIC 18)\n"
    )
    html = digest(capsys, "--out", "-", "--format", "html")
    assert html.out.startswith("<!DOCTYPE html>")
    assert list(cli.glob("digest-*")) == []


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--format", "pdf"],
            "unknown digest format 'pdf': use docx, html, md, xlsx, or several separated by commas",
        ),
        (
            ["--out", "-", "--format", "md,html"],
            "--out - writes one format to standard output: choose it with --format (docx, html, "
            "md, xlsx)",
        ),
        (
            ["--out", "digest.txt"],
            "--out FILE takes one format: choose it with --format, or write every format with "
            "--out-dir DIR",
        ),
        (["--out", "a.md", "--out-dir", "b"], "give --out FILE or --out-dir DIR, not both"),
        (
            ["--states-parties", "many"],
            "--states-parties 'many' is not a whole number from 0 to 99,999, e.g. "
            "--states-parties 47",
        ),
        (
            ["--igos", "-1"],
            "--igos '-1' is not a whole number from 0 to 99,999, e.g. --igos 47",
        ),
        (
            ["--attendance", "ngos=69"],
            "--attendance 'ngos=69' is not CATEGORY=NUMBER with a category among ngo, academia, "
            "private_sector, other and a whole number from 0 to 99,999, e.g. --attendance "
            "ngo=69,academia=2,private_sector=4",
        ),
    ],
)
def test_arguments_that_cannot_be_used_are_refused_with_what_can(
    cli: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    result = digest(capsys, *argv)
    assert (result.code, result.out, result.err) == (2, "", f"intersessional: {message}\n")
    assert list(cli.glob("digest*")) == []


def test_an_unknown_consultation_is_refused_with_the_loaded_ones(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run(capsys, "digest", "--consultation", "wgic-19-2028")
    assert (result.code, result.err) == (
        2,
        "intersessional: --consultation wgic-19-2028: no such consultation is loaded; "
        "the consultations are wgic-14-2023, wgic-18-2027\n",
    )


def test_the_dialogue_s_figures_from_the_command_line(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(capsys)
    states = digest(capsys, "--out", "-", "--states-parties", "47", "--igos", "1")
    assert (
        "\n47 States parties and one intergovernmental organization participated in the "
        "constructive dialogue.\n"
    ) in states.out
    full = digest(
        capsys, "--out", "-", "--states-parties", "47", "--igos", "1",
        "--attendance", "ngo=69,academia=2,private-sector=4",
    )  # fmt: skip
    assert (
        "\nSixty-nine non-governmental organizations and six other relevant stakeholders (two "
        "from academia and four from the private sector) participated in the constructive "
        "dialogue, in addition to 47 States parties and one intergovernmental organization.\n"
    ) in full.out


def test_the_command_line_overrides_the_figures_of_the_consultation_file(
    cli: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from_file = run(capsys, "digest", "--consultation", "wgic-14-2023", "--out", "-")
    sentence = (
        "\nSixty-nine non-governmental organizations and six other relevant stakeholders (two "
        "from academia and four from the private sector) participated in the constructive "
        "dialogue, in addition to {} States parties and one intergovernmental organization.\n"
    )
    assert sentence.format(47) in from_file.out
    given = run(
        capsys, "digest", "--consultation", "wgic-14-2023", "--out", "-", "--states-parties", "46"
    )
    assert sentence.format(46) in given.out  # the rest as the file gives it

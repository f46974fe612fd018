"""`make i18n` end to end on a copy of the code: a new message flows in, a second run is a no-op."""

from __future__ import annotations

import gettext
import hashlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from config.consultation import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
NEW = "A sentence a feature has just added."


def snapshot(locale: Path) -> dict[str, str]:
    return {
        path.relative_to(locale).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(locale.rglob("*"))
        if path.is_file()
    }


def make_i18n(tree: Path) -> None:
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    result = subprocess.run(
        # STAMP= : the tools are installed already; do not reinstall into the copy.
        ["make", "-C", str(tree), "i18n", f"VENV={bin_dir.parent}", "STAMP="],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_make_i18n_picks_up_new_messages_and_is_idempotent(tmp_path: Path) -> None:
    if shutil.which("make") is None or not (Path(sys.executable).parent / "pybabel").exists():
        pytest.skip("make or pybabel is not installed")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("handlers", "bot", "config"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=ignore)
    for name in ("Makefile", "babel.cfg"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "handlers" / "features" / "brand_new.py").write_text(
        f'"""A feature with a new sentence."""\n\n\ndef say(t):\n    return t._("{NEW}")\n',
        encoding="utf-8",
    )
    locale = tmp_path / "handlers" / "locale"

    make_i18n(tmp_path)
    with (locale / "messages.pot").open("rb") as handle:
        assert NEW in {m.id for m in read_po(handle)}
    for language in LANGUAGES:
        with (locale / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = read_po(handle, locale=language)
        # English is filled from the source; the others wait for their translator.
        assert catalog[NEW].string == (NEW if language == "en" else "")
        with (locale / language / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
            compiled = gettext.GNUTranslations(handle)
        assert compiled.gettext("I agree") == catalog["I agree"].string != ""

    # Date the catalogues in the past: a run that re-extracted the template would put
    # today's date back everywhere, even within the minute of the first run.
    for path in [locale / "messages.pot", *locale.glob("*/LC_MESSAGES/messages.po")]:
        text = path.read_text(encoding="utf-8")
        dated = re.sub(
            r"POT-Creation-Date: [^\\]*", "POT-Creation-Date: 2020-01-01 00:00+0000", text
        )
        assert dated != text
        path.write_text(dated, encoding="utf-8")
    sources = {k: v for k, v in snapshot(locale).items() if not k.endswith(".mo")}
    make_i18n(tmp_path)
    second = snapshot(locale)
    assert {k: v for k, v in second.items() if not k.endswith(".mo")} == sources
    make_i18n(tmp_path)
    assert snapshot(locale) == second

"""`make` on a fresh machine and after the interpreter changed: the venv follows PYTHON."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _runs(python: str) -> bool:
    try:
        return (
            subprocess.run([python, "-c", "pass"], capture_output=True, check=False).returncode == 0
        )
    except OSError:
        return False


def _other_python() -> str | None:
    """A second interpreter, other than 3.11, that runs here (the machine's pyenv has some)."""
    candidates = [shutil.which(name) for name in ("python3.12", "python3.13")]
    candidates += [str(p) for p in sorted(Path.home().glob(".pyenv/versions/3.1[23]*/bin/python3"))]
    return next((c for c in candidates if c and _runs(c)), None)


OTHER = _other_python()


def make(venv: Path, python: str, *, target: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "MFLAGS"))}
    return subprocess.run(
        [
            "make",
            "-C",
            str(ROOT),
            target or f"{venv}/.installed-{version(python)}",
            f"PYTHON={python}",
            f"VENV={venv}",
            # Nothing to install for this test: only which interpreter the venv is made with.
            "INSTALL=true",
            "UPGRADE=true",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def version(python: str) -> str:
    found = shutil.which(python)
    assert found is not None
    return subprocess.run(
        [found, "-c", "import sys; print('.'.join(map(str, sys.version_info[:3])))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def venv_version(venv: Path) -> str:
    return version(str(venv / "bin" / "python"))


@pytest.mark.slow
@pytest.mark.skipif(
    OTHER is None or shutil.which("make") is None, reason="needs make and two Pythons"
)
def test_a_venv_made_by_another_python_is_made_again(tmp_path: Path) -> None:
    assert OTHER is not None
    venv = tmp_path / "venv"
    first = make(venv, "python3.11")
    assert first.returncode == 0, first.stderr
    assert venv_version(venv) == version("python3.11")
    made = (venv / "pyvenv.cfg").stat().st_mtime_ns

    again = make(venv, "python3.11")  # the same interpreter: the venv is kept
    assert again.returncode == 0, again.stderr
    assert (venv / "pyvenv.cfg").stat().st_mtime_ns == made

    changed = make(venv, OTHER)
    assert changed.returncode == 0, changed.stderr
    assert f"{venv} was made with Python {version('python3.11')} from " in changed.stdout
    assert venv_version(venv) == version(OTHER)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_an_interpreter_that_is_not_there_is_named(tmp_path: Path) -> None:
    result = make(tmp_path / "venv", "python9.99", target="lint")
    assert result.returncode == 2
    assert "PYTHON=python9.99 is not a Python interpreter here" in result.stderr
    assert not (tmp_path / "venv").exists()

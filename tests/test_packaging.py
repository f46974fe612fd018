"""pyproject.toml in the form setuptools keeps supporting: `project.license` as an SPDX
expression, which needs setuptools 77 (issue 17, item 9). The table form made every
`pip install -e .` warn three times, and is refused from February 2027."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.licenses import canonicalize_license_expression
from packaging.requirements import Requirement

PYPROJECT = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())


def test_the_license_is_an_spdx_expression() -> None:
    license_ = PYPROJECT["project"]["license"]
    assert isinstance(license_, str)
    assert canonicalize_license_expression(license_) == license_ == "Apache-2.0"
    assert "License ::" not in " ".join(PYPROJECT["project"].get("classifiers", []))


def test_the_build_uses_a_setuptools_that_reads_it() -> None:
    setuptools = next(
        Requirement(r) for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools")
    )
    assert setuptools.specifier.contains("77.0.0")
    assert not setuptools.specifier.contains("76.9")

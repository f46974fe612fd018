"""The consultation loader either returns a consultation or raises ConfigError, nothing else."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from config.consultation import Consultation, parse_consultation
from config.errors import ConfigError
from config.settings import BUNDLED_CONSULTATIONS

BUNDLED = (BUNDLED_CONSULTATIONS / "wgic-18-2027.yaml").read_text(encoding="utf-8")
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30), st.dates()
)
TREES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


def _parse(text: str) -> None:
    try:
        result = parse_consultation("hostile.yaml", text)
    except ConfigError:
        return
    assert isinstance(result, Consultation)


@settings(max_examples=150, derandomize=True, deadline=None)
@given(st.text(max_size=400))
def test_arbitrary_text_parses_or_raises_config_error(text: str) -> None:
    _parse(text)


@settings(max_examples=100, derandomize=True, deadline=None)
@given(TREES)
def test_arbitrary_structures_parse_or_raise_config_error(tree: object) -> None:
    _parse(yaml.safe_dump(tree, allow_unicode=True))


@settings(max_examples=100, derandomize=True, deadline=None)
@given(st.integers(0, len(BUNDLED)), st.integers(1, 200), st.text(max_size=20))
def test_damaged_bundled_file_parses_or_raises_config_error(at: int, cut: int, junk: str) -> None:
    _parse(BUNDLED[:at] + junk + BUNDLED[at + cut :])

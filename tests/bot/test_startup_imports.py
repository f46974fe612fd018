"""Start-up loads only what every process needs: Slack, charts and office files on demand."""

from __future__ import annotations

import subprocess
import sys

LOADED = """
import sys
import bot.cli
print(" ".join(sorted(name for name in {NAMES} if name in sys.modules)))
"""


def test_the_command_line_loads_no_slack_chart_or_office_library_at_import() -> None:
    names = {
        "slack_bolt",
        "slack_sdk",
        "openpyxl",
        "docx",
        "xlsxwriter",
        "jinja2",
        "lxml",
        "matplotlib",
    }
    found = subprocess.run(
        [sys.executable, "-c", LOADED.replace("{NAMES}", repr(names))],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert found.stdout.split() == []

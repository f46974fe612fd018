"""Start-up loads only what every process needs: Slack, charts, office files, migrations,
the HTTP server, progress bars and language profiles on demand."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def _printed(code: str) -> list[str]:
    """What a fresh interpreter running `code` prints, word by word."""
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return found.stdout.split()


LOADED = """
import sys
import bot.cli
print(" ".join(sorted(name for name in {NAMES} if name in sys.modules)))
"""


def test_the_command_line_loads_no_slack_chart_office_migration_or_server_library_at_import() -> (
    None
):
    names = {
        "slack_bolt",
        "slack_sdk",
        "openpyxl",
        "docx",
        "xlsxwriter",
        "jinja2",
        "lxml",
        "matplotlib",
        "alembic",
        "mako",
        "uvicorn",  # only `serve` serves HTTP
        "tqdm",  # only a command on a terminal draws a bar
    }
    assert _printed(LOADED.replace("{NAMES}", repr(names))) == []


PROFILES = """
import sys
import bot.cli
from langdetect import detector_factory
from handlers import profiles
print(detector_factory._factory is None, not profiles.loaded())
"""


def test_the_language_profiles_are_not_loaded_at_import() -> None:
    assert _printed(PROFILES) == ["True", "True"]


STARTED = """
import threading
from pathlib import Path
from types import SimpleNamespace
from bot.runtime import load_language_profiles
from handlers import profiles
cache = Path({CACHE!r})
thread = load_language_profiles(SimpleNamespace(settings=SimpleNamespace(cache_dir=cache)))
print(thread is not threading.current_thread(), thread.daemon)
thread.join(timeout=60)
print(profiles.loaded(), (cache / profiles.FILENAME).is_file())
"""


def test_a_process_loads_the_language_profiles_in_a_thread_as_it_starts(tmp_path: Path) -> None:
    found = _printed(STARTED.replace("{CACHE!r}", repr(str(tmp_path / "cache"))))
    assert found == ["True", "True", "True", "True"]


FROZEN = """
import asyncio, gc, threading, time
from bot.runtime import started_up

made = []
loaded = threading.Event()  # set once the block has begun: the profiles come after it

def load():  # what the language profiles' thread does: many objects, made a while after
    loaded.wait()  # never set when the block ends first: a daemon thread still loading
    made.extend({"ngram": str(n)} for n in range(20_000))

async def main(wait):
    loading = threading.Thread(target=load, daemon=True)
    loading.start()
    async with started_up(loading):
        if wait:
            loaded.set()
            while gc.get_freeze_count() == 0:
                await asyncio.sleep(0.01)
        print(loading.is_alive(), gc.get_freeze_count() > len(made) >= (20_000 if wait else 0))

started = time.perf_counter()
asyncio.run(main({WAIT}))
print(time.perf_counter() - started < 30)
"""


@pytest.mark.parametrize(
    ("wait", "expected"),
    [
        # Frozen only after the loading thread ended, with every object it made.
        (True, ["False", "True", "True"]),
        # The block ended while the profiles were still loading: nothing frozen, and
        # leaving it did not wait for the thread.
        (False, ["True", "False", "True"]),
    ],
    ids=["frozen once the profiles are loaded", "a stop during start-up waits for nothing"],
)
def test_the_start_up_is_frozen_once_the_profiles_are_loaded(
    wait: bool, expected: list[str]
) -> None:
    assert _printed(FROZEN.replace("{WAIT}", str(wait))) == expected

"""Pure translation for the terminal: a reply as text with numbered buttons, a typed line as
an event."""

from __future__ import annotations

from pathlib import Path

from bot.adapters import drawn_label
from handlers.events import Button, Inbound, IncomingDocument, Reply
from handlers.labels import typed_button

PLATFORM = "terminal"
MAX_TEXT_FILE = 1024 * 1024
"""The largest .txt file whose path is read as text (the engine refuses far less)."""
_MIME = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
}


def render(reply: Reply, downloads: Path, *, first: int = 1) -> str:
    """A reply as terminal text: buttons numbered from `first`, documents saved and named."""
    lines = [reply.text]
    number = first
    for row in reply.buttons:
        cells = []
        for button in row:
            cells.append(f"[{number}] {drawn_label(button)}")
            number += 1
        lines.append("  " + "   ".join(cells))
    if reply.document is not None:
        downloads.mkdir(parents=True, exist_ok=True)
        target = downloads / reply.document.filename
        target.write_bytes(reply.document.content)
        lines.append(f"📎 {reply.document.filename} → {target}")
    return "\n".join(lines)


def to_event(line: str, buttons: list[Button], *, user: str) -> Inbound:
    """A typed line as an event: a number or label presses a button, a file path sends it.

    `buttons` are the ones last shown, numbered in that order. Text that presses none of them
    goes to the engine marked `numbered`: it matches it against the current step's buttons,
    which is how a number works as the first line of a new session, before any is shown.
    """
    stripped = line.strip()
    pressed = typed_button(buttons, stripped, numbered=True)
    if pressed is not None:
        return Inbound(PLATFORM, user, user, payload=pressed.payload)
    path = _existing_file(stripped)
    if path is not None and path.suffix.lower() == ".txt" and path.stat().st_size <= MAX_TEXT_FILE:
        # A long text is typed as the path of a file that holds it: a terminal line is cut.
        text = path.read_text(encoding="utf-8", errors="replace")
        return Inbound(PLATFORM, user, user, text=text, numbered=True)
    if path is not None:

        async def read() -> bytes:
            return path.read_bytes()

        document = IncomingDocument(
            filename=path.name,
            size=path.stat().st_size,
            mime_type=_MIME.get(path.suffix.lower()),
            read=read,
        )
        return Inbound(PLATFORM, user, user, document=document)
    return Inbound(PLATFORM, user, user, text=line.rstrip("\n"), numbered=True)


def _existing_file(text: str) -> Path | None:
    """The file a line names, when it names one: how a document is sent in the terminal."""
    if not text or len(text) > 1024 or "\x00" in text:
        return None
    path = Path(text).expanduser()
    try:
        return path if path.suffix and path.is_file() else None
    except OSError:
        return None

"""Pure translation for the terminal: a reply as text with numbered buttons, a typed line as
an event."""

from __future__ import annotations

from pathlib import Path

from bot.adapters import drawn_label
from handlers.events import Button, Inbound, IncomingDocument, Reply

PLATFORM = "terminal"
_MIME = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
}


def render(reply: Reply, downloads: Path) -> str:
    """A reply as terminal text: buttons numbered, documents saved and named."""
    lines = [reply.text]
    number = 1
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
    """A typed line as an event: a number or label presses a button, a file path sends it."""
    stripped = line.strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(buttons):
        return Inbound(PLATFORM, user, user, payload=buttons[int(stripped) - 1].payload)
    for button in buttons:
        if stripped and button.label.casefold() == stripped.casefold():
            return Inbound(PLATFORM, user, user, payload=button.payload)
    path = _existing_file(stripped)
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
    return Inbound(PLATFORM, user, user, text=line.rstrip("\n"))


def _existing_file(text: str) -> Path | None:
    """The file a line names, when it names one: how a document is sent in the terminal."""
    if not text or len(text) > 1024 or "\x00" in text:
        return None
    path = Path(text).expanduser()
    try:
        return path if path.suffix and path.is_file() else None
    except OSError:
        return None

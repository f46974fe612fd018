"""A local fake of LibreTranslate's HTTP API, served on loopback.

`POST /translate` takes JSON (or a form) with `q`, `source`, `target`, `format` and
`api_key`, and answers `{"translatedText": …}` — here "EN(<source>): <text>", so a test can
tell a translation from its original — or, as LibreTranslate does, an error status with
`{"error": …}`: 400 for a bad request (missing `q`, a language it does not offer, a text over
its character limit), 403 for a wrong API key, 429 when asked to slow down, 500 when the
translation fails. Tests make it fail on purpose (`fail`, `fail_texts`) — with those
statuses, an answer that is not JSON, or no answer at all — and read back every call.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes import serve_loopback

LANGUAGES = frozenset({"en", "fr", "es", "ru", "ar", "zh"})
ERRORS: dict[str, tuple[int, str]] = {
    "400": (400, "Invalid request: unsupported language pair"),
    "403": (403, "Invalid API key"),
    "429": (429, "Slowdown: 30 per 1 minute"),
    "500": (500, "Cannot translate text: argos model failed"),
}
"""Failures a test can ask for, as LibreTranslate words them."""
NOT_JSON = "not-json"
NO_TRANSLATION = "no-translation"
HANG = "hang"
"""Never answer (until the server stops): the client's timeout must end the request."""


def translated(text: str, source: str) -> str:
    """What the fake answers for a text."""
    return f"EN({source}): {text}"


@dataclass
class FakeLibreTranslate:
    """The fake's behaviour and what it was asked."""

    api_key: str | None = None
    """When set, a request without this key gets 403, as a server run with --api-keys."""
    char_limit: int = 5000
    fail: str | None = None
    """Every request fails this way (a key of ERRORS, NOT_JSON, NO_TRANSLATION or HANG)."""
    fail_texts: dict[str, str] = field(default_factory=dict)
    """Requests whose text starts with a key fail the key's way."""
    calls: list[dict[str, Any]] = field(default_factory=list)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    base_url: str = ""

    async def translate(self, request: Request) -> Response:
        if request.headers.get("content-type", "").startswith("application/json"):
            body = await request.json()
        else:
            body = dict(await request.form())
        self.calls.append(body)
        q, source, target = body.get("q"), body.get("source"), body.get("target")
        failure = self.fail or next(
            (how for start, how in self.fail_texts.items() if str(q).startswith(start)), None
        )
        if failure == HANG:
            await self.released.wait()
            return Response(status_code=503)
        if failure == NOT_JSON:
            return Response("<html>502 Bad Gateway</html>", media_type="text/html")
        if failure == NO_TRANSLATION:
            return JSONResponse({"detectedLanguage": {"language": source, "confidence": 90}})
        if failure in ERRORS:
            status, error = ERRORS[failure]
            return JSONResponse({"error": error}, status_code=status)
        if self.api_key is not None and body.get("api_key") != self.api_key:
            return JSONResponse({"error": "Invalid API key"}, status_code=403)
        if not isinstance(q, str) or not q:
            return JSONResponse({"error": "Invalid request: missing q parameter"}, 400)
        for code in (source, target):
            if code not in LANGUAGES:
                return JSONResponse({"error": f"{code} is not supported"}, 400)
        if len(q) > self.char_limit:
            return JSONResponse(
                {
                    "error": f"Invalid request: request ({len(q)}) exceeds text limit "
                    f"({self.char_limit})"
                },
                400,
            )
        if body.get("format", "text") not in ("text", "html"):
            return JSONResponse({"error": "Invalid request: format"}, 400)
        return JSONResponse({"translatedText": translated(q, source)})

    @property
    def texts(self) -> list[str]:
        """The text of every request, in order."""
        return [str(call.get("q")) for call in self.calls]


@asynccontextmanager
async def libretranslate(**options: Any) -> AsyncIterator[FakeLibreTranslate]:
    """The fake served on loopback; its `base_url` is set while it runs."""
    fake = FakeLibreTranslate(**options)
    app = Starlette(routes=[Route("/translate", fake.translate, methods=["POST"])])
    try:
        async with serve_loopback(app) as url:
            fake.base_url = url
            try:
                yield fake
            finally:
                fake.released.set()  # a hanging request ends before the server stops
    finally:
        fake.released.set()

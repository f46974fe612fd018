"""Machine translation of a digest's written answers into English, through a LibreTranslate
service (`TRANSLATE_URL`).

Each revision of an answer is translated once and kept (`storage.translations`), so a digest
at scale sends only what changed since the last one. A text the service cannot translate
(it did not answer in time, refused, or answered something that is not a translation) keeps
its original with a note saying why; a failure never stops the digest. After a few failures
of the service itself in a row, the rest of that digest is not sent at all.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import httpx

from bot.digest.model import TRANSLATION_SERVICE, MachineTranslation
from config.settings import Settings
from handlers import questions as question_types
from storage.models import QuestionRow
from storage.repositories import Store, Translatable

log = logging.getLogger(__name__)

TARGET = "en"
"""The secretariat's working language, which digests are written in."""
CONCURRENT = 4
"""Texts sent to the service at once."""
GIVE_UP_AFTER = 3
"""Failures of the service itself in a row after which the rest of a digest is not sent."""
MAX_RESPONSE_BYTES = 1024 * 1024
"""The largest answer read from the service (a translation is a few times its text at most)."""
_ERROR_CHARS = 200


class TranslationFailed(Exception):
    """A text was not translated; `reason` says why in words the digest shows."""

    def __init__(self, reason: str, *, service_down: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.service_down = service_down
        """True when no other text would fare better (timeout, unreachable, 5xx, refused
        key), False when only this text was refused (e.g. its language is not offered)."""


class Translator(Protocol):
    """What a digest needs of a translation service."""

    name: str

    async def translate(self, text: str, source: str, target: str) -> str:
        """The text translated, or TranslationFailed."""
        ...


class LibreTranslate:
    """A client of LibreTranslate's HTTP API: `POST /translate` with `q`, `source`, `target`,
    `format=text` and an optional `api_key`, answered `{"translatedText": …}` (or, on an
    error, a 4xx/5xx status with `{"error": …}`)."""

    name = TRANSLATION_SERVICE

    def __init__(
        self, client: httpx.AsyncClient, *, api_key: str | None = None, max_chars: int = 5000
    ) -> None:
        self.client = client
        """Its base URL is the service's; its timeout bounds each request."""
        self.api_key = api_key
        self.max_chars = max_chars

    async def translate(self, text: str, source: str, target: str) -> str:
        """`text` from `source` into `target`; TranslationFailed says why not."""
        if len(text) > self.max_chars:
            raise TranslationFailed(
                f"longer than the {self.max_chars:,} characters sent for translation",
                service_down=False,
            )
        body = {"q": text, "source": source, "target": target, "format": "text"}
        if self.api_key:
            body["api_key"] = self.api_key
        status, content = await self._post(body)
        if status != 200:
            error = _error_of(content)
            raise TranslationFailed(
                f"the service answered {status}" + (f" ({error})" if error else ""),
                service_down=status >= 500 or status in (401, 403, 429),
            )
        try:
            translated = json.loads(content).get("translatedText")
        except (ValueError, AttributeError):
            translated = None
        if not isinstance(translated, str) or not translated.strip():
            raise TranslationFailed("the service's answer held no translation", service_down=True)
        return translated

    async def _post(self, body: dict[str, str]) -> tuple[int, bytes]:
        """The status and (bounded) body of one request."""
        try:
            async with self.client.stream("POST", "/translate", json=body) as response:
                content = bytearray()
                async for chunk in response.aiter_bytes():
                    content += chunk
                    if len(content) > MAX_RESPONSE_BYTES:
                        raise TranslationFailed(
                            "the service's answer was too large", service_down=True
                        )
                return response.status_code, bytes(content)
        except httpx.TimeoutException:
            timeout = self.client.timeout.read or 0
            raise TranslationFailed(
                f"the service did not answer within {timeout:g} s", service_down=True
            ) from None
        except httpx.HTTPError as exc:
            raise TranslationFailed(
                f"the service could not be reached ({type(exc).__name__})", service_down=True
            ) from None

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.client.aclose()


def _error_of(content: bytes) -> str:
    """The `error` of a LibreTranslate error answer, shortened; '' when there is none."""
    try:
        error = json.loads(content).get("error")
    except (ValueError, AttributeError):
        return ""
    return " ".join(str(error).split())[:_ERROR_CHARS] if error else ""


def from_settings(settings: Settings) -> LibreTranslate | None:
    """The configured service, or None when `TRANSLATE_URL` is not set (the default)."""
    if not settings.translate_url:
        return None
    client = httpx.AsyncClient(
        base_url=settings.translate_url,
        timeout=httpx.Timeout(settings.translate_timeout),
        follow_redirects=False,
    )
    key = settings.translate_api_key
    return LibreTranslate(
        client,
        api_key=key.get_secret_value() if key else None,
        max_chars=settings.translate_max_chars,
    )


@dataclass
class _Run:
    """One digest's requests: a few at a time, given up after the service failed in a row."""

    translator: Translator
    failures_in_a_row: int = 0
    given_up: str = ""

    async def one(self, row: Translatable, gate: asyncio.Semaphore) -> MachineTranslation:
        async with gate:
            if self.given_up:
                return MachineTranslation("", failure=self.given_up)
            try:
                text = await self.translator.translate(row.text, row.language, TARGET)
            except TranslationFailed as exc:
                if exc.service_down:
                    self.failures_in_a_row += 1
                    if self.failures_in_a_row >= GIVE_UP_AFTER:
                        self.given_up = (
                            f"not sent, the service failed {GIVE_UP_AFTER} times in a row "
                            f"(last: {exc.reason})"
                        )
                return MachineTranslation("", failure=exc.reason)
            self.failures_in_a_row = 0
            return MachineTranslation(text)


def free_text_questions(questions: Iterable[QuestionRow]) -> set[int]:
    """The ids of the questions answered in words (the ones worth translating)."""
    return {q.id for q in questions if question_types.kind(q.type).free_text}


async def translations(
    store: Store,
    questions: Sequence[QuestionRow],
    translator: Translator,
    *,
    now: datetime,
) -> Mapping[tuple[int, int], MachineTranslation]:
    """The English translation of every written answer in another language, by (participant
    id, question id): kept ones as they are, the others asked of the service and kept."""
    async with store.transaction() as uow:
        rows = await uow.translations.translatable(free_text_questions(questions), TARGET)
    found = {
        (row.participant_id, row.question_id): MachineTranslation(row.translation)
        for row in rows
        if row.translation is not None
    }
    missing = [row for row in rows if row.translation is None]
    if not missing:
        return found
    run = _Run(translator)
    gate = asyncio.Semaphore(CONCURRENT)
    made = await asyncio.gather(*(run.one(row, gate) for row in missing))
    async with store.transaction() as uow:
        for row, translation in zip(missing, made, strict=True):
            if translation.failure:
                continue
            await uow.translations.keep(
                answer_id=row.answer_id,
                revision=row.revision,
                source=row.language,
                target=TARGET,
                text=translation.text,
                service=translator.name,
                now=now,
            )
    failed = sum(1 for t in made if t.failure)
    if failed:
        log.warning("machine translation: %d of %d texts not translated", failed, len(missing))
    found.update(
        ((row.participant_id, row.question_id), t) for row, t in zip(missing, made, strict=True)
    )
    return found

"""Consultation files: upload a consultation's YAML, see every validation problem at once
beside the field it is in, and load it — `parse_consultation` and `load_into`, as
`intersessional consultations validate` and `load` use them."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.app import load_into
from bot.console.base import Console, field
from config.consultation import Consultation, missing_translations, parse_consultation
from config.errors import ConfigError, Problem
from handlers.features.admin.common import audit
from handlers.features.admin.console import Administrator

PAGE = "/console/files"
MAX_YAML_BYTES = 512 * 1024


async def uploaded(request: Request) -> tuple[str, str]:
    """The YAML of the form (the file chosen, or the text sent back to load) and its name."""
    form = await request.form()
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read(MAX_YAML_BYTES + 1)
        await upload.close()
        name = upload.filename[:200]
        if len(content) > MAX_YAML_BYTES:
            raise ConfigError([Problem(name, "", "the file is larger than 512 KB", "split it")])
        try:
            return content.decode("utf-8-sig"), name
        except UnicodeDecodeError:
            raise ConfigError(
                [Problem(name, "", "the file is not UTF-8 text", "save it as UTF-8")]
            ) from None
    return field(form, "yaml", limit=MAX_YAML_BYTES), field(form, "name", limit=200) or "upload"


async def page(console: Console, request: Request, admin: Administrator) -> Response:
    async with console.app.store.transaction() as uow:
        rows = await uow.consultations.rows()
    return await console.page(request, "files.html", loaded=rows)


async def check(
    console: Console, request: Request
) -> tuple[Consultation | None, list[Problem], str, str]:
    try:
        text, name = await uploaded(request)
        if not text.strip():
            raise ConfigError([Problem(name, "", "the file is empty", "choose a YAML file")])
        return parse_consultation(name, text), [], text, name
    except ConfigError as exc:
        return None, exc.problems, "", ""


async def validate(console: Console, request: Request, admin: Administrator) -> Response:
    consultation, problems, text, name = await check(console, request)
    return await console.page(
        request,
        "files_check.html",
        consultation=consultation,
        problems=problems,
        yaml=text,
        name=name,
        fallbacks=missing_translations(consultation) if consultation else {},
        status=200 if consultation else 422,
    )


async def load(console: Console, request: Request, admin: Administrator) -> Response:
    consultation, problems, _, name = await check(console, request)
    t = console.translator(request)
    if consultation is None:
        said = t.n_(
            "Nothing was loaded: {count} problem.",
            "Nothing was loaded: {count} problems.",
            len(problems),
        )
        return await console.done(request, PAGE, said, ok=False)
    await load_into(console.app.store, [consultation], console.app.clock)
    async with console.app.store.transaction() as uow:
        audit(
            uow,
            console.actor(admin),
            "consultation.loaded",
            consultation=consultation.id,
            file=name,
        )
    return await console.done(
        request, PAGE, t._("Loaded {consultation}.", consultation=consultation.id)
    )


def routes(console: Console) -> list[BaseRoute]:
    """The upload form, its check and the loading."""
    return [
        Route("/files", console.guard(page), methods=["GET"]),
        Route("/files/check", console.guard(validate), methods=["POST"]),
        Route("/files/load", console.guard(load), methods=["POST"]),
    ]

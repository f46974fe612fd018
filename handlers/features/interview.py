"""The interview: consultations, agenda items, and questions one at a time."""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePath
from zoneinfo import ZoneInfo

from handlers import questions
from handlers.actions import (
    Action,
    Answer,
    Back,
    Done,
    Home,
    Keep,
    KeepFirstPart,
    OnQuestion,
    OpenConsultation,
    OpenItem,
    Resume,
    SaveAndExit,
    SendAsFile,
    Skip,
    Toggle,
)
from handlers.conversation import Context, State, Step, stale_button
from handlers.events import Button, DocumentTooLarge
from handlers.features import overflow
from handlers.features.consultations import (
    Window,
    accessible,
    deadline_text,
    item_heading,
    item_progress,
    items_progress,
    localized,
    progress_text,
    short_title,
    title,
    window,
    window_text,
)
from handlers.places import AgendaPlace, QuestionPlace, ReviewPlace
from handlers.questions import document as document_question
from handlers.questions.text import text_limit
from storage.models import AgendaItemRow, ConsultationRow, Document, QuestionRow

_MAGIC = {".pdf": (b"%PDF-",), ".docx": (b"PK\x03\x04",), ".odt": (b"PK\x03\x04",)}
"""How each accepted document type starts, to refuse files whose extension lies."""


class HomeStep(Step):
    """The consultations the participant may answer."""

    async def prompt(self, ctx: Context) -> None:
        t = ctx.t
        rows = await accessible(ctx.uow, ctx.me, now=ctx.now)
        if not rows:
            ctx.say(t._("There is no consultation for you at the moment."))
            return
        lines, buttons = [t._("Your consultations:")], []
        for row in rows:
            state = window(row, ctx.now)
            note = {
                Window.OPEN: t._("open until {deadline}", deadline=deadline_text(ctx, row)),
                Window.UPCOMING: t._("opens on {date}", date=t.day(row.opens_at, _zone(row))),
                Window.CLOSED: t._("closed"),
            }[state]
            lines.append(f"• {t.isolate(title(row, t))} — {note}")
            label = short_title(row, t)
            if state == Window.CLOSED:
                label = t._("{title} (closed)", title=label)
            buttons.append([Button(label, OpenConsultation(row.id).payload())])
        ctx.say("\n".join(lines), buttons)

    async def on_button(self, ctx: Context, action: Action) -> None:
        allowed = {row.id for row in await accessible(ctx.uow, ctx.me)}
        if isinstance(action, OpenConsultation) and action.consultation in allowed:
            await enter_agenda(ctx, action.consultation)
        else:
            await stale_button(ctx)


def _zone(row: ConsultationRow) -> ZoneInfo:
    return ZoneInfo(row.timezone)


class AgendaStep(Step):
    """The agenda items of one consultation, with progress."""

    async def prompt(self, ctx: Context) -> None:
        t = ctx.t
        place = AgendaPlace.read(ctx.data)
        row = await ctx.uow.consultations.get(place.consultation) if place else None
        if row is None:
            await ctx.enter(State.HOME)
            return
        lines = [title(row, t), window_text(ctx, row)]
        buttons = []
        items = await ctx.uow.consultations.items(row.id)
        for progress in await items_progress(ctx.uow, ctx.me, items):
            item = progress.item
            lines.append(f"• {item_heading(t, item)} — {progress_text(t, progress)}")
            buttons.append(
                [
                    Button(
                        t._("Agenda item {number}", number=item.number),
                        OpenItem(item.id).payload(),
                        form=item.id,
                    )
                ]
            )
        buttons.append([Button(t._("‹ Consultations"), Home().payload())])
        ctx.say("\n".join(lines), buttons)

    async def on_button(self, ctx: Context, action: Action) -> None:
        if isinstance(action, Home):
            await ctx.enter(State.HOME)
            return
        item_id = action.item if isinstance(action, OpenItem) else None
        item = await ctx.uow.consultations.item(item_id) if item_id else None
        place = AgendaPlace.read(ctx.data)
        if item is None or place is None or item.consultation_id != place.consultation:
            await stale_button(ctx)
            return
        await open_item(ctx, item)


async def resume(ctx: Context, action: Resume) -> None:
    """Open the agenda item a reminder points at, if the participant may still see it."""
    item = await ctx.uow.consultations.item(action.item)
    allowed = {row.id for row in await accessible(ctx.uow, ctx.me)}
    if item is None or item.consultation_id not in allowed:
        await stale_button(ctx)
        return
    await open_item(ctx, item)


async def open_item(ctx: Context, item: AgendaItemRow) -> None:
    """Go into an agenda item: the first unanswered question, else its review."""
    row = await ctx.uow.consultations.get(item.consultation_id)
    if row is None:
        await ctx.enter(State.HOME)
        return
    state = window(row, ctx.now, item)
    if state == Window.UPCOMING:
        ctx.say(ctx.t._("This consultation is not open yet."))
        await ctx.reprompt()
        return
    progress = await item_progress(ctx, item)
    submitted = progress.submission is not None and progress.submission.status == "submitted"
    if state == Window.CLOSED or submitted:
        await enter_review(ctx, item)
        return
    answered = await ctx.uow.answers.for_item(ctx.me.id, item.id)
    first = next((q for q in progress.questions if q.id not in answered), None)
    if first is None:
        await enter_review(ctx, item)
    else:
        await enter_question(ctx, item, first)


async def enter_agenda(ctx: Context, consultation_id: str) -> None:
    """Go to the agenda items of a consultation."""
    await ctx.enter(State.AGENDA, **AgendaPlace(consultation_id).stored())


async def enter_review(ctx: Context, item: AgendaItemRow) -> None:
    """Go to the review of an agenda item."""
    await ctx.enter(State.REVIEW, **ReviewPlace(item.consultation_id, item.id).stored())


async def enter_question(
    ctx: Context, item: AgendaItemRow, question: QuestionRow, *, review: bool = False
) -> None:
    """Go to a question of an agenda item (from the review: `review`, to come back to it)."""
    place = QuestionPlace(
        item.consultation_id, item.id, question.id, type=question.type, review=review
    )
    await ctx.enter(State.QUESTION, **place.stored())


class QuestionStep(Step):
    """One question: asked, validated by its type, stored the moment it is answered."""

    def accepts_text(self, ctx: Context) -> bool:
        # Only free text is taken as typed; for the others typed labels match buttons first.
        place = QuestionPlace.read(ctx.data)
        kind = questions.known(place.type) if place else None
        return kind is not None and kind.free_text

    async def _load(
        self, ctx: Context
    ) -> tuple[ConsultationRow, AgendaItemRow, QuestionRow] | None:
        place = QuestionPlace.read(ctx.data)
        placed = await ctx.uow.consultations.placed(place.question) if place else None
        if placed is None or placed[0].retired:
            return None
        question, item, row = placed
        return row, item, question

    async def prompt(self, ctx: Context) -> None:
        t = ctx.t
        loaded = await self._load(ctx)
        if loaded is None:
            await ctx.enter(State.HOME)
            return
        _, item, question_row = loaded
        spec = questions.definition(question_row)
        kind = questions.kind(spec.type)
        siblings = list(await ctx.uow.consultations.questions(item.id))
        await ctx.uow.answers.load(ctx.me.id, [q.id for q in siblings])
        position = next(i for i, q in enumerate(siblings) if q.id == question_row.id)
        lines = [item_heading(t, item)]
        if question_row.group_title:
            lines.append(localized(question_row.group_title, t))
        counter = t._("Question {number} of {count}", number=position + 1, count=len(siblings))
        lines.append(counter + (" · " + t._("required") if spec.required else ""))
        lines.append("")
        lines.append(spec.text.get(t.language))
        if spec.help:
            lines.append(spec.help.get(t.language))
        answer = await ctx.uow.answers.get(ctx.me.id, question_row.id)
        if answer is not None:
            lines.append(
                t._(
                    "Your current answer: {answer}", answer=questions.display(spec, answer.value, t)
                )
            )
        lines.append(kind.hint(spec, t, ctx.options))
        place = QuestionPlace.read(ctx.data)
        selection = list(place.selection) if place else []
        rows = kind.buttons(spec, question_row.id, t, selection)
        group = kind.choices(spec, question_row.id, t, selection)
        here = question_row.id
        nav = [Button(t._("‹ Back"), Back(here).payload())]
        if answer is not None:
            nav.append(Button(t._("Keep ›"), Keep(here).payload()))
        elif not spec.required:
            nav.append(Button(t._("Skip ›"), Skip(here).payload()))
        nav.append(Button(t._("Save and exit"), SaveAndExit(here).payload()))
        ctx.say("\n".join(lines), [*rows, nav], choices=group)

    async def on_text(self, ctx: Context, text: str) -> None:
        loaded = await self._load(ctx)
        if loaded is None:
            await ctx.enter(State.HOME)
            return
        row, item, question_row = loaded
        spec = questions.definition(question_row)
        result = questions.kind(spec.type).from_text(spec, text, ctx.t, ctx.options)
        if result is None:
            await super().on_text(ctx, text)
            return
        await self._store(ctx, row, item, question_row, result)

    async def on_button(self, ctx: Context, action: Action) -> None:
        loaded = await self._load(ctx)
        if loaded is None or not isinstance(action, OnQuestion) or action.question != loaded[2].id:
            await stale_button(ctx)
            return
        row, item, question_row = loaded
        spec = questions.definition(question_row)
        kind = questions.kind(spec.type)
        t = ctx.t
        match action:
            case Answer(value=value):
                result = kind.from_button(spec, value)
                if result is None:
                    await stale_button(ctx)
                    return
                await self._store(ctx, row, item, question_row, result)
            case Toggle(choice=choice) if choice in kind.toggles(spec):
                place = QuestionPlace.read(ctx.data)
                assert place is not None  # the question was loaded from it
                ctx.me.context = place.toggled(choice).stored()
                before = len(ctx.replies)
                await self.prompt(ctx)
                ctx.replies[before:] = [
                    replace(reply, replace_previous=True) for reply in ctx.replies[before:]
                ]
            case Done() if kind.toggles(spec):
                place = QuestionPlace.read(ctx.data)
                chosen = kind.from_selection(spec, list(place.selection) if place else [], t)
                if chosen is None:
                    await stale_button(ctx)
                    return
                await self._store(ctx, row, item, question_row, chosen)
            case KeepFirstPart() | SendAsFile() if whole := overflow.kept(ctx):
                await self._overflow(ctx, action, whole, row, item, question_row)
            case Back():
                await self._neighbour(ctx, item, question_row, step=-1)
            case Skip() | Keep():
                answered = await ctx.uow.answers.get(ctx.me.id, question_row.id) is not None
                if isinstance(action, Skip) and spec.required and not answered:
                    ctx.say(t._("This question is required, so it cannot be skipped."))
                    await self.prompt(ctx)
                    return
                await self._neighbour(ctx, item, question_row, step=1)
            case SaveAndExit():
                ctx.say(
                    t._(
                        "Saved. Every answer you sent is kept; choose the agenda item again "
                        "whenever you want to continue."
                    )
                )
                await enter_agenda(ctx, row.id)
            case _:
                await stale_button(ctx)

    async def _overflow(
        self,
        ctx: Context,
        action: Action,
        whole: str,
        row: ConsultationRow,
        item: AgendaItemRow,
        question_row: QuestionRow,
    ) -> None:
        """The choice offered for a text over its limit: its first part, or a file of it."""
        if isinstance(action, SendAsFile):
            overflow.as_file(ctx, question_row.id, whole)
            return
        spec = questions.definition(question_row)
        part = overflow.first_part(whole, text_limit(spec, ctx.options.max_text_chars))
        cut = questions.kind(spec.type).from_text(spec, part, ctx.t, ctx.options)
        if cut is None:
            await stale_button(ctx)
            return
        await self._store(ctx, row, item, question_row, cut)

    async def on_document(self, ctx: Context) -> None:
        loaded = await self._load(ctx)
        document = ctx.event.document
        if loaded is None or document is None:
            await super().on_document(ctx)
            return
        row, item, question_row = loaded
        spec = questions.definition(question_row)
        if not questions.kind(spec.type).takes_document:
            await super().on_document(ctx)
            return
        t = ctx.t
        suffix = PurePath(document.filename).suffix.lower()
        limit_mb = max(1, ctx.options.max_document_bytes // (1024 * 1024))
        if suffix not in ctx.options.document_types:
            result: questions.Accepted | questions.Rejected = questions.Rejected(
                t._("Please send a PDF, DOCX or ODT file.")
            )
        elif document.size > ctx.options.max_document_bytes:
            result = questions.Rejected(
                t._("This file is larger than {size} MB; please send a smaller one.", size=limit_mb)
            )
        else:
            try:
                content: bytes | None = await document.read()
            except DocumentTooLarge:  # Its size was unknown: reading stopped at the limit.
                content = None
            if content is None or len(content) > ctx.options.max_document_bytes:
                result = questions.Rejected(
                    t._(
                        "This file is larger than {size} MB; please send a smaller one.",
                        size=limit_mb,
                    )
                )
            elif not content.startswith(_MAGIC[suffix]):
                result = questions.Rejected(
                    t._("This file is not a valid {kind} document.", kind=suffix[1:].upper())
                )
            else:
                stored = await ctx.files.put(content, suffix, hold=ctx.uow.blobs.hold)
                saved = await ctx.uow.answers.add_document(
                    Document(
                        participant_id=ctx.me.id,
                        filename=PurePath(document.filename).name[:255],
                        mime_type=document.mime_type,
                        size=stored.size,
                        sha256=stored.sha256,
                        storage_path=stored.path,
                        created_at=ctx.now,
                    )
                )
                result = document_question.accepted(saved)
        await self._store(ctx, row, item, question_row, result)

    async def _store(
        self,
        ctx: Context,
        row: ConsultationRow,
        item: AgendaItemRow,
        question_row: QuestionRow,
        result: questions.Accepted | questions.Rejected,
    ) -> None:
        t = ctx.t
        if isinstance(result, questions.Rejected) and result.too_long and ctx.event.text:
            overflow.offer(
                ctx, question_row.id, ctx.event.text.strip(), result.reason, result.too_long
            )
            return
        if isinstance(result, questions.Rejected):
            ctx.say(result.reason)
            await self.prompt(ctx)
            return
        if window(row, ctx.now, item) != Window.OPEN:
            ctx.say(t._("Submissions for this consultation are closed; nothing was changed."))
            await enter_review(ctx, item)
            return
        # The current answer and the next question's, in one query.
        questions_here = await ctx.uow.consultations.questions(item.id)
        await ctx.uow.answers.load(ctx.me.id, [q.id for q in questions_here])
        await questions.save_answer(
            ctx.uow,
            participant_id=ctx.me.id,
            question_id=question_row.id,
            result=result,
            channel=ctx.event.platform,
            now=ctx.now,
        )
        if await ctx.uow.submissions.touch(ctx.me.id, item.id, ctx.now):
            ctx.say(
                t._(
                    "Your change is saved. Your submission for this agenda item is reopened: "
                    "submit it again from the review to send the change."
                )
            )
        await self._neighbour(ctx, item, question_row, step=1)

    async def _neighbour(
        self, ctx: Context, item: AgendaItemRow, question_row: QuestionRow, *, step: int
    ) -> None:
        place = QuestionPlace.read(ctx.data)
        if place is not None and place.review:
            # A single answer changed from the review goes back to the review.
            await enter_review(ctx, item)
            return
        siblings = list(await ctx.uow.consultations.questions(item.id))
        index = next(i for i, q in enumerate(siblings) if q.id == question_row.id) + step
        if index < 0:
            await enter_agenda(ctx, item.consultation_id)
        elif index >= len(siblings):
            await enter_review(ctx, item)
        else:
            await enter_question(ctx, item, siblings[index])

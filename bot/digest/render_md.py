"""The digest as Markdown, for a chat message, a file or a quick look in a terminal."""

from __future__ import annotations

import html
import re

from bot.digest.model import (
    Digest,
    DigestAnswer,
    Figure,
    ItemSection,
    QuestionSection,
    un_date,
    un_moment,
)

MEDIA_TYPE = "text/markdown"
"""The media type of this format's files (`bot.digest.deliver` reads it)."""

_MARKDOWN = re.compile(r"([\\`*_\[\]#|~=\-])")


def escape(text: str) -> str:
    """User text made inert: no Markdown emphasis, links, tables or raw HTML."""
    return _MARKDOWN.sub(r"\\\1", html.escape(text, quote=False))


def _figures_table(header: str, figures: tuple[Figure, ...], unit: str) -> list[str]:
    if not figures:
        return ["None yet.", ""]
    lines = [f"| {header} | {unit} |", "|---|---:|"]
    lines += [f"| {escape(f.label)} | {f.count} |" for f in figures]
    return [*lines, ""]


def _answer(answer: DigestAnswer) -> list[str]:
    marks = ["**NEW**"] if answer.new else []
    where = ", ".join(part for part in (answer.category, answer.country) if part)
    head = (
        f"{escape(answer.organisation)} ({escape(where)})" if where else escape(answer.organisation)
    )
    details = [un_moment(answer.answered_at), *answer.notes()]
    lines = [f"- {' '.join([*marks, head])} · {' · '.join(details)}"]
    lines += [f"  > {escape(text_line)}" for text_line in answer.text.splitlines() or [""]]
    return lines + _translation(answer)


def _translation(answer: DigestAnswer) -> list[str]:
    """The machine translation under the original, marked as one; or why there is none."""
    translation = answer.translation
    if translation is None:
        return []
    if translation.failure:
        return ["", f"  *{escape(translation.note)}*"]
    lines = translation.text.splitlines() or [""]
    return ["", f"  *{escape(translation.note)}:*", *(f"  > {escape(line)}" for line in lines)]


def _question(question: QuestionSection) -> list[str]:
    lines = [f"### {escape(question.text)}", ""]
    if question.group:
        lines += [f"*{escape(question.group)}*", ""]
    lines += [question.meta(), ""]
    if question.counts:
        lines += _figures_table("Answer", question.counts, "Answers")
    if question.summary:
        lines += [escape(question.summary), ""]
    if question.listed:
        for answer in question.answers:
            lines += _answer(answer)
    return [*lines, ""]


def _themes(item: ItemSection, method: str) -> list[str]:
    if not item.themes:
        return []
    lines = ["### Recurring themes", "", f"*{escape(method)}*", ""]
    lines += ["| Theme | Language | Organizations | Categories |", "|---|---|---|---|"]
    for theme in item.themes:
        names = "; ".join(escape(name) for name in theme.organisations)
        kinds = ", ".join(f"{escape(label)} {n}" for label, n in theme.categories)
        lines.append(
            f"| {escape(theme.term)} | {theme.language} | "
            f"{len(theme.organisations)}: {names} | {kinds} |"
        )
    return [*lines, ""]


def _panels(item: ItemSection) -> list[str]:
    lines: list[str] = []
    for panel in item.panels:
        lines += [f"### {escape(panel.title)}", ""]
        for panellist in panel.panellists:
            lines += [f"#### The panellist from {escape(panellist.name)}", ""]
            if not panellist.contributions:
                absent = "" if panellist.registered else " (not invited under this name)"
                lines += [f"No written comments on this agenda item{absent}.", ""]
            for contribution in panellist.contributions:
                lines += [f"*{escape(contribution.question)}*", *_answer(contribution.answer), ""]
    return lines


def _item(item: ItemSection, method: str = "") -> list[str]:
    lines = [f"## {escape(item.heading)}", "", item.submitted_sentence(), ""]
    if item.translation:
        lines += [item.translation + ".", ""]
    lines += _panels(item)
    for question in item.questions:
        lines += _question(question)
    return lines + _themes(item, method)


def render(digest: Digest) -> str:
    """The whole digest in Markdown."""
    deadline = digest.local(digest.deadline)
    lines = [
        f"*{escape(digest.marking)}*",
        "",
        f"# {digest.label}: {escape(digest.short_title)}",
        "",
        escape(digest.title),
        "",
        f"- Dialogue: {escape(digest.dialogue_title)}, {un_date(digest.dialogue_date)}, "
        f"{escape(digest.venue)}",
        f"- Deadline for written comments: {un_moment(deadline)} ({digest.timezone} time)",
        f"- Period: {digest.period()}",
        f"- {digest.answers_line()}",
        "",
        "## Participation",
        "",
        *digest.participation_lead(),
        "",
        *[text for text in (digest.gender_sentence,) if text],
        "",
        "| Category | Invited | Registered | Submitted |",
        "|---|---:|---:|---:|",
    ]
    for c in digest.categories:
        lines.append(f"| {c.label} | {c.invited} | {c.registered} | {c.submitted} |")
    lines += [
        f"| **Total** | **{digest.invited}** | **{digest.registered}** | **{digest.submitted}** |",
        "",
        "### By country (organizations that submitted)",
        "",
        *_figures_table("Country", digest.by_country, "Organizations"),
        "### By language of the written answers",
        "",
        *_figures_table("Language", digest.by_language, "Answers"),
        "### By respondent gender (respondents who submitted)",
        "",
        *_figures_table("Gender", digest.by_gender, "Respondents"),
    ]
    for item in digest.items:
        lines += _item(item, digest.themes_method)
    return "\n".join(lines + _closing(digest))


def _closing(digest: Digest) -> list[str]:
    """The invited organisations that have not submitted, and the reminders."""
    lines = ["## Outstanding", "", digest.outstanding_sentence(), ""]
    if digest.outstanding:
        lines += ["| Organization | Category | Country | Registered |", "|---|---|---|---|"]
        lines += [
            f"| {escape(o.name)} | {o.category} | {escape(o.country)} | "
            f"{'Yes' if o.registered else 'No'} |"
            for o in digest.outstanding
        ]
        lines.append("")
    r = digest.reminders
    lines += [
        "## Reminders",
        "",
        r.sentence(),
        "",
    ]
    return lines

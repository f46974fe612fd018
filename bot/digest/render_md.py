"""The digest as Markdown, for a chat message, a file or a quick look in a terminal."""

from __future__ import annotations

import html
import re

from bot.digest.build import Digest, Figure, QuestionSection

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


def _question(digest: Digest, question: QuestionSection) -> list[str]:
    lines = [f"### {escape(question.text)}", ""]
    if question.group:
        lines += [f"*{escape(question.group)}*", ""]
    required = "required" if question.required else "optional"
    lines += [f"{len(question.answers)} answers · {required}", ""]
    if question.counts:
        lines += _figures_table("Answer", question.counts, "Answers")
    for answer in question.answers:
        marks = []
        if answer.new:
            marks.append("**NEW**")
        where = ", ".join(part for part in (answer.category, answer.country) if part)
        head = (
            f"{escape(answer.organisation)} ({escape(where)})"
            if where
            else escape(answer.organisation)
        )
        details = [f"{answer.answered_at:%d %B %Y, %H:%M}"]
        if answer.language:
            details.append(f"language: {answer.language}")
        if not answer.submitted:
            details.append("draft, not yet submitted")
        lines.append(f"- {' '.join([*marks, head])} · {' · '.join(details)}")
        for text_line in answer.text.splitlines() or [""]:
            lines.append(f"  > {escape(text_line)}")
    return [*lines, ""]


def render(digest: Digest) -> str:
    """The whole digest in Markdown."""
    deadline = digest.local(digest.deadline)
    lines = [
        f"# {digest.label}: {escape(digest.short_title)}",
        "",
        escape(digest.title),
        "",
        f"- Dialogue: {escape(digest.dialogue_title)}, {digest.dialogue_date:%d %B %Y}, "
        f"{escape(digest.venue)}",
        f"- Deadline for written comments: {deadline:%d %B %Y, %H:%M} ({digest.timezone} time)",
        f"- Period: {digest.period()}",
        f"- Answers: {digest.total_answers}, of which {digest.new_answers} new in this period",
        "",
        "## Participation",
        "",
        f"{digest.submitted_sentence} {digest.registered_sentence}",
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
        lines += [
            f"## {escape(item.heading)}",
            "",
            f"Submitted by {item.submitted} organizations.",
            "",
        ]
        for question in item.questions:
            lines += _question(digest, question)
    lines += [
        "## Outstanding",
        "",
        f"{len(digest.outstanding)} invited organizations have not submitted.",
        "",
    ]
    if digest.outstanding:
        lines += ["| Organization | Category | Country | Registered |", "|---|---|---|---|"]
        lines += [
            f"| {escape(o.name)} | {o.category} | {escape(o.country)} | "
            f"{'yes' if o.registered else 'no'} |"
            for o in digest.outstanding
        ]
        lines.append("")
    r = digest.reminders
    lines += [
        "## Reminders",
        "",
        f"{r.sent} reminders sent to {r.participants_reminded} participants "
        f"({r.sent_in_period} in this period); {r.skipped} skipped, {r.uncertain} uncertain, "
        f"{r.failed} failed.",
        "",
    ]
    return "\n".join(lines)

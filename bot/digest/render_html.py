"""The digest as one self-contained HTML page: styles inline, charts embedded, text escaped."""

from __future__ import annotations

import base64
from html import escape

from bot.digest.charts import Chart, charts
from bot.digest.model import (
    Digest,
    DigestAnswer,
    Figure,
    ItemSection,
    PanelSection,
    QuestionSection,
    un_date,
    un_moment,
)

MEDIA_TYPE = "text/html"
"""The media type of this format's files (`bot.digest.deliver` reads it)."""

_STYLE = """
body { font-family: "Segoe UI", Roboto, Arial, sans-serif; color: #222; max-width: 60rem;
       margin: 2rem auto; padding: 0 1rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { border-bottom: 2px solid #009edb;
     padding-bottom: .2rem; margin-top: 2.2rem; } h3 { font-size: 1.05rem; margin-top: 1.6rem; }
.meta { color: #555; } .lead { font-size: 1.1rem; }
table { border-collapse: collapse; margin: .6rem 0 1rem; } th, td { border: 1px solid #ccc;
        padding: .3rem .55rem; vertical-align: top; text-align: left; }
td.n, th.n { text-align: right; } th { background: #eef6fb; }
table.answers { width: 100%; } table.answers td.text { white-space: pre-wrap; }
.new { background: #009edb; color: #fff; border-radius: 3px; padding: 0 .3rem; font-size: .8rem; }
.draft { color: #a15c00; font-size: .85rem; }
.mt { margin-top: .4rem; border-left: 3px solid #a15c00; padding-left: .5rem; }
.mt .mark { color: #a15c00; font-size: .85rem; font-style: italic; margin: 0; }
.group { color: #555; font-style: italic; }
figure { margin: 1rem 0; } img { max-width: 100%; } p.text { white-space: pre-wrap; }
.marking { color: #555; font-size: .85rem; }
@media print { body { max-width: none; margin: 0; font-size: 10pt; line-height: 1.3; }
  nav, .screen-only, button, .marking { display: none !important; }
  h2 { break-before: page; margin-top: 0; } h1 + p, h2:first-of-type { break-before: auto; }
  h2, h3, h4 { break-after: avoid; } tr, figure, p.text, img { break-inside: avoid; }
  thead { display: table-header-group; } th { background: #eef6fb !important;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .new { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  table.answers { font-size: 9pt; } table.answers td { padding: .2rem .35rem; }
  a { color: inherit; text-decoration: none; }
  a[href^="http"]::after, a[href^="mailto:"]::after { content: " (" attr(href) ")";
    font-size: .85em; color: #555; word-break: break-all; } }
"""


def _page(marking: str) -> str:
    """The printed page: A4, the marking at the top of every page, numbered at the foot."""
    return (
        "@page { size: A4; margin: 2cm 2.2cm;\n"
        f'  @top-right {{ content: "{_css_string(marking)}"; font-size: 8pt; color: #555; }}\n'
        '  @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; } }\n'
    )


def _css_string(text: str) -> str:
    """Text inside a CSS string: every character but letters, digits and spaces as a CSS
    escape, so that no quote, backslash or '</style>' can end the string or the sheet.

    An escape ends at the space after it, which CSS consumes: a space that follows in the
    text stays.
    """
    return "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text)


def _e(text: object) -> str:
    return escape(str(text), quote=True)


class _Escaped(dict[str, str]):
    """Escaped text, each distinct text escaped once: an author's name, category and country
    repeat beside each of their answers."""

    def __missing__(self, text: str) -> str:
        escaped = self[text] = _e(text)
        return escaped


def _figures(header: str, figures: tuple[Figure, ...], unit: str) -> str:
    if not figures:
        return "<p>None yet.</p>"
    rows = "".join(f'<tr><td>{_e(f.label)}</td><td class="n">{f.count}</td></tr>' for f in figures)
    return (
        f'<table><thead><tr><th>{_e(header)}</th><th class="n">{_e(unit)}</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _chart(chart: Chart) -> str:
    data = base64.b64encode(chart.png).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{_e(chart.description)}">'
        f"<figcaption>{_e(chart.title)}</figcaption></figure>"
    )


def _question(question: QuestionSection, escaped: _Escaped) -> str:
    parts = [f"<h3>{_e(question.text)}</h3>"]
    if question.group:
        parts.append(f'<p class="group">{_e(question.group)}</p>')
    parts.append(f'<p class="meta">{_e(question.meta())}</p>')
    if question.counts:
        parts.append(_figures("Answer", question.counts, "Answers"))
    if question.summary:
        parts.append(f'<p class="summary">{_e(question.summary)}</p>')
    if question.listed and question.answers:
        rows = []
        for a in question.answers:
            marks = '<span class="new">NEW</span> ' if a.new else ""
            draft = (
                '<br><span class="draft">draft, not yet submitted</span>' if not a.submitted else ""
            )
            lang = f' lang="{escaped[a.language]}"' if a.language and a.language != "und" else ""
            rows.append(
                "<tr>"
                f"<td>{marks}<bdi>{escaped[a.organisation]}</bdi>{draft}</td>"
                f"<td>{escaped[a.category]}</td>"
                f"<td>{escaped[a.country]}</td>"
                f"<td>{escaped[a.language]}</td>"
                f"<td>{un_moment(a.answered_at)}</td>"
                f"<td>{escaped[a.publication]}</td>"
                f'<td class="text" dir="auto"{lang}>{_e(a.text)}{_translation(a)}</td>'
                "</tr>"
            )
        parts.append(
            '<table class="answers"><thead><tr><th>Organization</th><th>Category</th>'
            "<th>Country</th><th>Language</th><th>Time</th><th>Publication</th><th>Answer</th>"
            "</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
    return "".join(parts)


def _translation(answer: DigestAnswer) -> str:
    """The machine translation under the original, marked as one; or why there is none."""
    if answer.translation is None:
        return ""
    mark = f'<p class="mark">{_e(answer.translation.note)}</p>'
    if answer.translation.failure:
        return f'<div class="mt" dir="ltr">{mark}</div>'
    text = f'<p class="text">{_e(answer.translation.text)}</p>'
    return f'<div class="mt" lang="en" dir="ltr">{mark}{text}</div>'


def _panel(panel: PanelSection) -> str:
    parts = [f"<h3>{_e(panel.title)}</h3>"]
    for panellist in panel.panellists:
        parts.append(f"<h4>The panellist from <bdi>{_e(panellist.name)}</bdi></h4>")
        if not panellist.contributions:
            parts.append("<p>No written comments on this agenda item.</p>")
        for c in panellist.contributions:
            lang = c.answer.language if c.answer.language not in ("", "und") else ""
            parts.append(
                f'<p class="group">{_e(c.question)}</p>'
                f'<p class="text" dir="auto" lang="{_e(lang)}">{_e(c.answer.text)}</p>'
                + _translation(c.answer)
            )
    return "".join(parts)


def _themes(item: ItemSection, method: str) -> str:
    if not item.themes:
        return ""
    rows = "".join(
        f"<tr><td>{_e(t.term)}</td><td>{_e(t.language)}</td>"
        f'<td class="n">{len(t.organisations)}</td>'
        f"<td>{_e('; '.join(t.organisations))}</td>"
        f"<td>{_e(', '.join(f'{label} {n}' for label, n in t.categories))}</td></tr>"
        for t in item.themes
    )
    return (
        f'<h3>Recurring themes</h3><p class="group">{_e(method)}</p>'
        '<table><thead><tr><th>Theme</th><th>Language</th><th class="n">Organizations</th>'
        f"<th>Who</th><th>Categories</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _closing(digest: Digest) -> list[str]:
    """The invited organisations that have not submitted, and the reminders."""
    body = ["<h2>Outstanding</h2>", f"<p>{_e(digest.outstanding_sentence())}</p>"]
    if digest.outstanding:
        rows = "".join(
            f"<tr><td>{_e(o.name)}</td><td>{_e(o.category)}</td><td>{_e(o.country)}</td>"
            f"<td>{'Yes' if o.registered else 'No'}</td></tr>"
            for o in digest.outstanding
        )
        body.append(
            "<table><thead><tr><th>Organization</th><th>Category</th><th>Country</th>"
            f"<th>Registered</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    return [*body, "<h2>Reminders</h2>", f"<p>{_e(digest.reminders.sentence())}</p>"]


def render(digest: Digest) -> str:
    """The whole digest as an HTML document."""
    deadline = digest.local(digest.deadline)
    escaped = _Escaped()
    body = [
        f'<p class="marking">{_e(digest.marking)}</p>',
        f"<h1>{_e(digest.label)}: {_e(digest.short_title)}</h1>",
        f"<p>{_e(digest.title)}</p>",
        '<p class="meta">',
        f"Dialogue: {_e(digest.dialogue_title)}, {un_date(digest.dialogue_date)}, "
        f"{_e(digest.venue)}<br>",
        f"Deadline for written comments: {un_moment(deadline)} ({_e(digest.timezone)} time)<br>",
        f"Period: {_e(digest.period())}<br>",
        f"{_e(digest.answers_line())}",
        "</p>",
        "<h2>Participation</h2>",
        *[f'<p class="lead">{_e(text)}</p>' for text in digest.participation_lead()],
        *[f"<p>{_e(text)}</p>" for text in (digest.gender_sentence,) if text],
        '<table><thead><tr><th>Category</th><th class="n">Invited</th>'
        '<th class="n">Registered</th><th class="n">Submitted</th></tr></thead><tbody>',
    ]
    for c in digest.categories:
        body.append(
            f'<tr><td>{_e(c.label)}</td><td class="n">{c.invited}</td>'
            f'<td class="n">{c.registered}</td><td class="n">{c.submitted}</td></tr>'
        )
    body.append(
        f'<tr><th>Total</th><th class="n">{digest.invited}</th>'
        f'<th class="n">{digest.registered}</th><th class="n">{digest.submitted}</th></tr>'
        "</tbody></table>"
    )
    body += [_chart(chart) for chart in charts(digest)]
    body += [
        "<h3>By country (organizations that submitted)</h3>",
        _figures("Country", digest.by_country, "Organizations"),
        "<h3>By language of the written answers</h3>",
        _figures("Language", digest.by_language, "Answers"),
        "<h3>By respondent gender (respondents who submitted)</h3>",
        _figures("Gender", digest.by_gender, "Respondents"),
    ]
    for item in digest.items:
        body.append(f"<h2>{_e(item.heading)}</h2>")
        body.append(f'<p class="meta">{_e(item.submitted_sentence())}</p>')
        if item.translation:
            body.append(f'<p class="meta">{_e(item.translation)}.</p>')
        body += [_panel(panel) for panel in item.panels]
        body += [_question(question, escaped) for question in item.questions]
        body.append(_themes(item, digest.themes_method))
    body += _closing(digest)
    head = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(digest.label)}: {_e(digest.short_title)}</title>"
        f"<style>{_STYLE}{_page(digest.marking)}</style></head><body>"
    )
    # One join: a page of 200,000 answers is 45 MB, and each further concatenation would
    # copy it again while the parts are still alive (90 MB more at the peak).
    return "\n".join([head, *body, "</body></html>\n"])

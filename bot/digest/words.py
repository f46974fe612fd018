"""Numbers in English words and the participation sentence, as a Chair's summary writes them."""

from __future__ import annotations

from collections.abc import Mapping

from config.consultation import Participation

_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(number: int) -> str:
    """A whole number from 0 to 999,999 in English words: 69 → 'sixty-nine'.

    Hundreds take 'and' as in United Nations documents: 105 → 'one hundred and five'.
    """
    if not 0 <= number < 1_000_000:
        raise ValueError(f"{number} is out of range for words")
    if number < 20:
        return _UNITS[number]
    if number < 100:
        tens, units = divmod(number, 10)
        return _TENS[tens] + (f"-{_UNITS[units]}" if units else "")
    if number < 1000:
        hundreds, rest = divmod(number, 100)
        head = f"{_UNITS[hundreds]} hundred"
        return head + (f" and {number_words(rest)}" if rest else "")
    thousands, rest = divmod(number, 1000)
    head = f"{number_words(thousands)} thousand"
    if not rest:
        return head
    return head + (" and " if rest < 100 else " ") + number_words(rest)


def _counted(number: int, singular: str, plural: str) -> str:
    return f"{number_words(number)} {singular if number == 1 else plural}"


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


OTHER_STAKEHOLDERS = (
    ("academia", "from academia"),
    ("private_sector", "from the private sector"),
    ("other", "from other sectors"),
)
"""The categories counted together as 'other relevant stakeholders', in the order named."""


def stakeholders_phrase(counts: Mapping[str, int]) -> str:
    """Organisations by category as the Chair's summary counts them, IGOs left out.

    ``{"ngo": 69, "academia": 2, "private_sector": 4}`` gives "Sixty-nine non-governmental
    organizations and six other relevant stakeholders (two from academia and four from the
    private sector)". An empty string when there are none.
    """
    ngos = counts.get("ngo", 0)
    breakdown = [
        f"{number_words(counts[category])} {where}"
        for category, where in OTHER_STAKEHOLDERS
        if counts.get(category, 0)
    ]
    others = sum(counts.get(category, 0) for category, _ in OTHER_STAKEHOLDERS)
    parts = []
    if ngos:
        parts.append(
            _counted(ngos, "non-governmental organization", "non-governmental organizations")
        )
    if others:
        kind = "other relevant stakeholder" if ngos else "relevant stakeholder"
        parts.append(f"{_counted(others, kind, kind + 's')} ({_join(breakdown)})")
    phrase = " and ".join(parts)
    return phrase[:1].upper() + phrase[1:]


def states_parties_phrase(number: int) -> str:
    """'47 States parties', as the Chair's summary writes them (in figures from 10)."""
    if number == 1:
        return "one State party"
    return f"{number_words(number) if number < 10 else number} States parties"


def participation_sentence(
    counts: Mapping[str, int], verb: str, *, nobody: str, states_parties: int | None = None
) -> str:
    """A sentence on who did something, e.g. "... participated in the constructive dialogue,
    in addition to 47 States parties and one intergovernmental organization."

    Args:
        counts: organisations by category code.
        verb: what they did, in the past tense ("submitted written comments").
        nobody: the sentence when there is no organisation at all.
        states_parties: how many States parties took part too, when the secretariat says.
    """
    subject = stakeholders_phrase(counts)
    igos = counts.get("igo", 0)
    igo_phrase = (
        _counted(igos, "intergovernmental organization", "intergovernmental organizations")
        if igos
        else ""
    )
    if not subject and not igo_phrase:
        return nobody
    if not subject:
        return f"{igo_phrase[:1].upper()}{igo_phrase[1:]} {verb}."
    besides = [states_parties_phrase(states_parties)] if states_parties else []
    besides += [igo_phrase] if igo_phrase else []
    tail = f", in addition to {_join(besides)}" if besides else ""
    return f"{subject} {verb}{tail}."


_GENDERS = (("female", "woman", "women"), ("male", "man", "men"))


def gender_sentence(
    respondents: Mapping[str, int], organisations: Mapping[str, int], *, organisation_total: int
) -> str:
    """The sex-disaggregated figures in words, from respondents by gender ('female',
    'male', 'other', '' for not given), and organisations with a respondent of each gender
    out of `organisation_total`.

    "Of the 21 respondents who submitted written comments: 9 women, 9 men and 1 of another
    gender; 2 did not say. Women answered for 10 of the 21 organizations, men for 9."
    An empty string when nobody submitted.
    """
    total = sum(respondents.values())
    if not total:
        return ""
    parts = [
        f"{respondents[key]} {one if respondents[key] == 1 else many}"
        for key, one, many in _GENDERS
        if respondents.get(key)
    ]
    if respondents.get("other"):
        parts.append(f"{respondents['other']} of another gender")
    unsaid = respondents.get("", 0)
    head = "respondent who submitted" if total == 1 else "respondents who submitted"
    if not parts:
        sentence = f"Of the {total} {head} written comments, none said their gender."
    else:
        tail = f"; {unsaid} did not say" if unsaid else ""
        sentence = f"Of the {total} {head} written comments: {_join(parts)}{tail}."
    orgs = organisation_total
    women, men = organisations.get("female", 0), organisations.get("male", 0)
    if women or men:
        noun = "organization" if orgs == 1 else "organizations"
        sentence += f" Women answered for {women} of the {orgs} {noun}, men for {men}."
    return sentence


def dialogue_sentence(figures: Participation) -> str:
    """Who took part in the dialogue itself, from the figures the secretariat gave; '' when
    it gave none."""
    igos = figures.intergovernmental_organizations or 0
    if figures.attendance is not None:
        counts = {**figures.attendance.model_dump(), "igo": igos}
        return participation_sentence(
            counts,
            "participated in the constructive dialogue",
            nobody="",
            states_parties=figures.states_parties,
        )
    besides = [states_parties_phrase(figures.states_parties)] if figures.states_parties else []
    if igos:
        besides.append(
            _counted(igos, "intergovernmental organization", "intergovernmental organizations")
        )
    if not besides:
        return ""
    joined = _join(besides)
    return f"{joined[:1].upper()}{joined[1:]} participated in the constructive dialogue."

"""Invites: parsing categories and countries, deep links, creating invites, and CSV import."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.invites import (
    CSV_COLUMNS,
    InviteRequest,
    RowProblem,
    create,
    deep_link,
    parse_category,
    parse_country,
    parse_csv,
)
from handlers.ports import FixedClock
from storage.models import Category
from storage.repositories import INVITE_ALPHABET, Store

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "invites"
KNOWN = {"wgic-14-2023", "wgic-18-2027"}
COLUMNS_HINT = (
    "(columns: organisation, category, country, consultation, max_uses, expires, email, language)"
)
CATEGORY_CHOICES = "use one of ngo, academia, private_sector, igo, other"


def fixture_text(name: str) -> str:
    """A fixture CSV as the command line reads it."""
    return (FIXTURES / name).read_text(encoding="utf-8-sig")


# --- categories, countries, links ---------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "category"),
    [
        ("ngo", Category.NGO),
        ("NGO", Category.NGO),
        ("  Non-governmental organization ", Category.NGO),
        ("non-governmental organisation", Category.NGO),
        ("academia", Category.ACADEMIA),
        ("Academia", Category.ACADEMIA),
        ("private_sector", Category.PRIVATE_SECTOR),
        ("private sector", Category.PRIVATE_SECTOR),
        ("Private Sector", Category.PRIVATE_SECTOR),
        ("igo", Category.IGO),
        ("Intergovernmental Organization", Category.IGO),
        ("intergovernmental organisation", Category.IGO),
        ("other", Category.OTHER),
    ],
)
def test_parse_category_accepts_codes_and_names(word: str, category: Category) -> None:
    assert parse_category(word) is category


@pytest.mark.parametrize("word", ["think tank", "", "ngos", "private-sector"])
def test_parse_category_refuses_other_words_naming_the_choices(word: str) -> None:
    with pytest.raises(ValueError, match=r"^unknown category ") as raised:
        parse_category(word)
    assert str(raised.value) == f"unknown category {word!r}; {CATEGORY_CHOICES}"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("AT", "AT"),
        ("at", "AT"),
        (" Austria ", "AT"),
        ("austria", "AT"),
        ("Autriche", "AT"),
        ("Австрия", "AT"),
        ("奥地利", "AT"),
        ("Ucrania", "UA"),
        ("Germany", "DE"),
        ("", None),
        ("   ", None),
    ],
)
def test_parse_country_accepts_codes_and_names_in_un_languages(
    value: str, code: str | None
) -> None:
    assert parse_country(value) == code


@pytest.mark.parametrize("value", ["Narnia", "XX1", "Atlantis"])
def test_parse_country_refuses_unknown_names(value: str) -> None:
    with pytest.raises(ValueError, match=r"^unknown country ") as raised:
        parse_country(value)
    assert str(raised.value) == f"unknown country {value!r}; use a two-letter code such as AT"


def test_parse_country_refuses_regions_that_are_not_countries() -> None:
    values = ["ZZ", "Unknown Region", "Pseudo-Accents", "Eurozone", "QO", "United Nations"]
    accepted = {}
    for value in values:
        with contextlib.suppress(ValueError):
            accepted[value] = parse_country(value)
    assert accepted == {}


def test_deep_link_opens_the_bot_with_the_code() -> None:
    assert deep_link("UNTOCDialogueBot", "ABCD2345") == (
        "https://t.me/UNTOCDialogueBot?start=ABCD2345"
    )
    assert deep_link("@UNTOCDialogueBot", "ABCD2345") == (
        "https://t.me/UNTOCDialogueBot?start=ABCD2345"
    )
    assert deep_link(None, "ABCD2345") is None
    assert deep_link("", "ABCD2345") is None


# --- create -------------------------------------------------------------------------------


async def test_create_adds_the_organisation_once_and_an_invite_each_time(
    store: Store, clock: FixedClock
) -> None:
    expires = datetime(2027, 5, 31, 23, 59, tzinfo=timezone(timedelta(hours=2)))
    first = await create(
        store,
        InviteRequest(
            "Acme Security Ltd", Category.PRIVATE_SECTOR, "DE", "wgic-18-2027", 3, expires
        ),
        now=clock.now(),
        actor="test",
    )
    second = await create(
        store,
        InviteRequest("ACME SECURITY LTD", Category.NGO, None, None),
        now=clock.now(),
        actor="test",
    )
    assert len(first.code) == 8
    assert set(first.code) <= set(INVITE_ALPHABET)
    assert first.code != second.code
    async with store.transaction() as uow:
        invites = list(await uow.invites.list())
        entries = [e for e in await uow.audit.since() if e.action == "invite.created"]
        found = [
            (
                i.code,
                i.organisation.name,
                i.organisation.category,
                i.organisation.country,
                i.consultation_id,
                i.max_uses,
                i.uses,
                i.expires_at,
                i.created_at,
            )
            for i in invites
        ]
        organisation_ids = {i.organisation_id for i in invites}
    assert found == [
        # Newest first; the second request reuses the organisation, matched without case.
        (
            second.code,
            "Acme Security Ltd",
            "private_sector",
            "DE",
            None,
            5,
            0,
            None,
            clock.now(),
        ),
        (
            first.code,
            "Acme Security Ltd",
            "private_sector",
            "DE",
            "wgic-18-2027",
            3,
            0,
            datetime(2027, 5, 31, 21, 59, tzinfo=UTC),
            clock.now(),
        ),
    ]
    assert len(organisation_ids) == 1
    assert [(e.actor, e.channel, e.detail) for e in entries] == [
        ("test", "cli", {"code": first.code, "organisation": "Acme Security Ltd"}),
        ("test", "cli", {"code": second.code, "organisation": "Acme Security Ltd"}),
    ]


async def test_create_refuses_an_unknown_consultation_and_stores_nothing(
    store: Store, clock: FixedClock
) -> None:
    with pytest.raises(ValueError, match=r"^no consultation with id ") as raised:
        await create(
            store,
            InviteRequest("Acme Security Ltd", Category.PRIVATE_SECTOR, "DE", "wgic-99-2099"),
            now=clock.now(),
            actor="test",
        )
    assert str(raised.value) == "no consultation with id 'wgic-99-2099' is loaded"
    async with store.transaction() as uow:
        assert list(await uow.invites.list()) == []
        assert await uow.organisations.by_name("Acme Security Ltd") is None


# --- parse_csv ----------------------------------------------------------------------------


def test_parse_csv_reads_a_good_file() -> None:
    requests, problems = parse_csv(fixture_text("good.csv"), KNOWN)
    assert problems == []
    assert requests == [
        InviteRequest(
            organisation="Criminologists without Borders",
            category=Category.NGO,
            country="AT",
            consultation="wgic-18-2027",
            max_uses=3,
            expires=datetime(2027, 5, 31, 23, 59, tzinfo=timezone(timedelta(hours=2))),
        ),
        InviteRequest(
            organisation="Acme Security Ltd",
            category=Category.PRIVATE_SECTOR,
            country="DE",
            consultation=None,
            max_uses=5,
            expires=None,
        ),
        InviteRequest(
            organisation="University of Vienna",
            category=Category.ACADEMIA,
            country="AT",
            consultation="wgic-18-2027",
            max_uses=10,
            expires=None,
        ),
        InviteRequest(
            organisation="Centre for the Study of Organized Crime, Kyiv",
            category=Category.NGO,
            country="UA",
            consultation="wgic-14-2023",
            max_uses=5,
            expires=None,
        ),
        InviteRequest(
            organisation="Regional Intergovernmental Body",
            category=Category.IGO,
            country=None,
            consultation=None,
            max_uses=1000,
            expires=datetime(2027, 6, 1, 0, 0, tzinfo=UTC),
        ),
    ]


def test_parse_csv_reports_every_bad_row_with_its_line_number() -> None:
    text = fixture_text("bad.csv")
    requests, problems = parse_csv(text, KNOWN)
    # The two good rows are still parsed (the command line then creates nothing).
    assert requests == [
        InviteRequest(
            organisation="Criminologists without Borders",
            category=Category.NGO,
            country="AT",
            consultation="wgic-18-2027",
            max_uses=3,
            expires=datetime(2027, 5, 31, 23, 59, tzinfo=timezone(timedelta(hours=2))),
        ),
        # Lines 3-4: a quoted name with an embedded newline, kept as written.
        InviteRequest(
            organisation="Centre for the Study of Organized Crime",
            category=Category.ACADEMIA,
            country="DE",
            consultation=None,
        ),
    ]
    # Line numbers are physical lines of the file, the header being line 1. A row that spans
    # several lines (a quoted field with a newline) is reported at the line where it ends,
    # as csv's `line_num` counts: the rows after lines 3-4 keep their physical numbers, and
    # the last row, on lines 11-12, is reported as line 12.
    assert problems == [
        RowProblem(5, f"unknown category 'think tank'; {CATEGORY_CHOICES}"),
        RowProblem(6, "unknown country 'Narnia'; use a two-letter code such as AT"),
        RowProblem(7, "no consultation with id 'wgic-99-2099' is loaded"),
        RowProblem(8, "max_uses must be a whole number from 1 to 1000, not 'ten'"),
        RowProblem(9, "organisation name must have 2 to 300 characters"),
        RowProblem(10, "expires needs a time zone, e.g. 2027-05-31T23:59+02:00"),
        RowProblem(12, "max_uses must be a whole number from 1 to 1000, not '0'"),
    ]
    lines = text.splitlines()
    assert lines[5 - 1].startswith("Institute of Imaginary Studies,think tank,")
    assert lines[12 - 1] == 'Zero Uses",igo,,,0,'
    assert str(problems[0]) == f"line 5: unknown category 'think tank'; {CATEGORY_CHOICES}"


def test_parse_csv_line_numbers_with_windows_line_endings_and_blank_lines() -> None:
    text = (
        "organisation,category\r\n"
        '"Centre for the Study of\r\nOrganized Crime",academia\r\n'
        "\r\n"
        "Institute of Imaginary Studies,think tank\r\n"
    )
    requests, problems = parse_csv(text, KNOWN)
    assert [r.organisation for r in requests] == ["Centre for the Study of Organized Crime"]
    assert problems == [RowProblem(5, f"unknown category 'think tank'; {CATEGORY_CHOICES}")]


@pytest.mark.parametrize(
    ("max_uses", "message"),
    [
        ("1", None),
        ("1000", None),
        ("0", "max_uses must be a whole number from 1 to 1000, not '0'"),
        ("1001", "max_uses must be a whole number from 1 to 1000, not '1001'"),
        ("-3", "max_uses must be a whole number from 1 to 1000, not '-3'"),
        ("2.5", "max_uses must be a whole number from 1 to 1000, not '2.5'"),
        ("ten", "max_uses must be a whole number from 1 to 1000, not 'ten'"),
    ],
)
def test_parse_csv_max_uses_range(max_uses: str, message: str | None) -> None:
    requests, problems = parse_csv(
        f"organisation,category,max_uses\nAcme Security Ltd,ngo,{max_uses}\n", KNOWN
    )
    if message is None:
        assert [r.max_uses for r in requests] == [int(max_uses)]
        assert problems == []
    else:
        assert requests == []
        assert problems == [RowProblem(2, message)]


@pytest.mark.parametrize(
    ("expires", "expected"),
    [
        ("2027-05-31T23:59+02:00", datetime(2027, 5, 31, 21, 59, tzinfo=UTC)),
        ("2027-05-31T21:59:00Z", datetime(2027, 5, 31, 21, 59, tzinfo=UTC)),
        ("2027-05-31 23:59:00+00:00", datetime(2027, 5, 31, 23, 59, tzinfo=UTC)),
    ],
)
def test_parse_csv_expires_with_a_time_zone(expires: str, expected: datetime) -> None:
    requests, problems = parse_csv(
        f"organisation,category,expires\nAcme Security Ltd,ngo,{expires}\n", KNOWN
    )
    assert problems == []
    assert [r.expires for r in requests] == [expected]


@pytest.mark.parametrize(
    ("expires", "message"),
    [
        ("2027-05-31T23:59", "expires needs a time zone, e.g. 2027-05-31T23:59+02:00"),
        ("2027-05-31", "expires needs a time zone, e.g. 2027-05-31T23:59+02:00"),
        ("end of May", "expires 'end of May' is not a date and time"),
    ],
)
def test_parse_csv_refuses_expires_without_a_time_zone(expires: str, message: str) -> None:
    requests, problems = parse_csv(
        f"organisation,category,expires\nAcme Security Ltd,ngo,{expires}\n", KNOWN
    )
    assert requests == []
    assert problems == [RowProblem(2, message)]


@pytest.mark.parametrize(
    ("name", "ok"),
    [("", False), ("A", False), ("AB", True), ("x" * 300, True), ("x" * 301, False)],
)
def test_parse_csv_organisation_name_length(name: str, ok: bool) -> None:
    requests, problems = parse_csv(f"organisation,category\n{name},ngo\n", KNOWN)
    if ok:
        assert [r.organisation for r in requests] == [name]
        assert problems == []
    else:
        assert requests == []
        assert problems == [RowProblem(2, "organisation name must have 2 to 300 characters")]


def test_parse_csv_needs_only_organisation_and_category_in_any_case_and_order() -> None:
    requests, problems = parse_csv(
        " Category , ORGANISATION \nprivate sector,  Acme Security Ltd  \n", KNOWN
    )
    assert problems == []
    assert requests == [
        InviteRequest("Acme Security Ltd", Category.PRIVATE_SECTOR, None, None, 5, None)
    ]


def test_parse_csv_reports_a_missing_required_column() -> None:
    requests, problems = parse_csv(fixture_text("missing_column.csv"), KNOWN)
    assert requests == []
    assert problems == [RowProblem(1, f"missing column(s) category {COLUMNS_HINT}")]


def test_parse_csv_reports_an_unknown_column() -> None:
    requests, problems = parse_csv(fixture_text("unknown_column.csv"), KNOWN)
    assert requests == []
    assert problems == [RowProblem(1, f"unknown column(s) phone {COLUMNS_HINT}")]


def test_parse_csv_reports_missing_and_unknown_columns_together() -> None:
    requests, problems = parse_csv("organisation,e-mail,phone\nAcme,a@example.org,1\n", KNOWN)
    assert requests == []
    assert problems == [
        RowProblem(1, f"missing column(s) category; unknown column(s) e-mail, phone {COLUMNS_HINT}")
    ]


def test_parse_csv_of_an_empty_file_reports_the_missing_columns() -> None:
    assert fixture_text("empty.csv") == ""
    requests, problems = parse_csv("", KNOWN)
    assert requests == []
    assert problems == [RowProblem(1, f"missing column(s) organisation, category {COLUMNS_HINT}")]


def test_parse_csv_of_a_header_without_rows_says_so() -> None:
    requests, problems = parse_csv(fixture_text("header_only.csv"), KNOWN)
    assert requests == []
    assert problems == [RowProblem(1, "the file has no rows")]


def test_csv_columns_are_the_documented_ones() -> None:
    assert CSV_COLUMNS == (
        "organisation",
        "category",
        "country",
        "consultation",
        "max_uses",
        "expires",
        "email",
        "language",
    )

"""The `/admin` table of actions: the list of commands, words that fit no action, and the one
validation of an invite that the chat and the command line share."""

from __future__ import annotations

import pytest

from bot.invites import problem_words
from handlers.engine import Engine
from handlers.features.admin.invites import InvalidInvite, Problem, problem_text, validate_invite
from handlers.i18n import translator
from handlers.ports import FileStore, FixedClock
from storage.repositories import Store
from tests.admin.test_engine_admin import RecordingServices, make_admin, snapshot
from tests.conftest import Chat

USAGE = "\n".join(
    [
        "Secretariat commands:",
        "/admin stats [CONSULTATION]",
        "/admin invite create CATEGORY ORGANISATION",
        "/admin invite revoke CODE",
        "/admin invite list [CONSULTATION]",
        "/admin digest now [CONSULTATION] [md|html|docx|xlsx]",
        "/admin remind now",
        "/admin console",
        "/admin broadcast [CONSULTATION] all|missing MESSAGE",
        "/admin deadline extend [CONSULTATION] DATE",
        "/admin close|reopen [CONSULTATION] [ITEM]",
        "/admin hide ANSWER_ID REASON",
        "/admin unhide ANSWER_ID",
        "/admin pending",
        "/admin approve|reject PARTICIPANT_ID",
    ]
)


@pytest.fixture
def services() -> RecordingServices:
    return RecordingServices()


@pytest.fixture
async def sec(
    store: Store, clock: FixedClock, files: FileStore, services: RecordingServices
) -> Chat:
    """An administrator writing to an engine with the bot's services."""
    await make_admin(store, clock)
    return Chat(Engine(store, clock=clock, files=files, services=services), "sec")


@pytest.mark.parametrize("command", ["/admin", "/admin help", "/admin HELP me", "/admin invite"])
async def test_the_list_of_commands_is_what_it_was(sec: Chat, command: str) -> None:
    await sec.say(command)
    assert [r.text for r in sec.replies] == [USAGE]


@pytest.mark.parametrize(
    "command",
    [
        "/admin hide 99999999999 spam",
        "/admin hide ² spam",
        "/admin hide 1",
        "/admin unhide one",
        "/admin approve 1 2",
        "/admin close wgic-18-2027 2 3",
        "/admin invite create ngo",
        "/admin invite create wgic-18-2027 ngo",
        "/admin invite revoke",
        "/admin invite Create ngo Acme",
        "/admin remind now please",
        "/admin console please",
        "/admin pending all",
        "/admin broadcast wgic-18-2027",
        "/admin broadcast everyone Hello",
        "/admin broadcast confirm now",
        "/admin deadline extend wgic-18-2027",
        "/admin deadline extend 2027-06-30 2027-07-30",
    ],
)
async def test_words_that_fit_no_action_get_the_list_and_change_nothing(
    sec: Chat, store: Store, services: RecordingServices, command: str
) -> None:
    before = await snapshot(store)
    await sec.say(command)
    assert [r.text for r in sec.replies] == [USAGE]
    assert await snapshot(store) == before
    assert (services.sent, services.digests, services.reminded) == ([], [], 0)


async def test_a_broadcast_keeps_the_message_as_typed_after_the_audience(
    sec: Chat, services: RecordingServices
) -> None:
    await sec.say("/admin broadcast wgic-18-2027 ALL  Two weeks left.\n\nThe secretariat")
    assert sec.text == (
        "This message will go to 0 participants of wgic-18-2027:\n\n"
        "Two weeks left.\n\nThe secretariat"
    )


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (
            "/admin invite create thinktank Acme",
            "Unknown category thinktank; use one of ngo, academia, private_sector, igo, other.",
        ),
        ("/admin invite create ngo A", "An organisation name has 2 to 300 characters."),
    ],
)
async def test_the_chat_refuses_an_invite_in_its_own_words(
    sec: Chat, store: Store, command: str, said: str
) -> None:
    before = await snapshot(store)
    await sec.say(command)
    assert sec.text == said
    assert await snapshot(store) == before


FIELDS = {"organisation": "Acme Security Ltd", "category": "ngo"}


@pytest.mark.parametrize(
    ("field", "value", "problem", "cli", "chat"),
    [
        (
            "organisation",
            " ",
            Problem.NAME,
            "organisation name must have 2 to 300 characters",
            "An organisation name has 2 to 300 characters.",
        ),
        (
            "consultation",
            "wgic-99",
            Problem.CONSULTATION,
            "no consultation with id 'wgic-99' is loaded",
            "There is no consultation wgic-99.",
        ),
        (
            "max_uses",
            "0",
            Problem.MAX_USES,
            "max_uses must be a whole number from 1 to 1000, not '0'",
            "The number of uses is a whole number from 1 to 1000, not 0.",
        ),
        (
            "expires",
            "soon",
            Problem.EXPIRES,
            "expires 'soon' is not a date and time",
            "soon is not a date and time such as 2027-05-31T23:59+02:00.",
        ),
        (
            "expires",
            "2027-05-31T23:59",
            Problem.EXPIRES_ZONE,
            "expires needs a time zone, e.g. 2027-05-31T23:59+02:00",
            "The expiry needs a time zone, such as 2027-05-31T23:59+02:00.",
        ),
        (
            "email",
            "nobody",
            Problem.EMAIL,
            "email 'nobody' is not an e-mail address such as info@ngo.org",
            "nobody is not an e-mail address such as info@ngo.org.",
        ),
        (
            "language",
            "de",
            Problem.LANGUAGE,
            "language 'de': use one of en, fr, es, ru, zh, ar",
            "Use one of these languages: en, fr, es, ru, zh, ar.",
        ),
        (
            "category",
            "think tank",
            Problem.CATEGORY,
            "unknown category 'think tank'; use one of ngo, academia, private_sector, igo, other",
            "Unknown category think tank; use one of ngo, academia, private_sector, igo, other.",
        ),
        (
            "country",
            "Narnia",
            Problem.COUNTRY,
            "unknown country 'Narnia'; use a two-letter code such as AT",
            "Unknown country Narnia; use a two-letter code such as AT.",
        ),
    ],
)
def test_one_validation_of_an_invite_worded_by_each_face(
    field: str, value: str, problem: Problem, cli: str, chat: str
) -> None:
    with pytest.raises(InvalidInvite) as raised:
        validate_invite(known_consultations={"wgic-18-2027"}, **{**FIELDS, field: value})
    assert raised.value.problem == problem
    assert problem_words(raised.value) == cli
    assert problem_text(translator("en"), raised.value) == chat


@pytest.mark.parametrize("language", ["en", "fr", "es", "ru", "zh", "ar"])
def test_every_invite_problem_has_words_in_every_language(language: str) -> None:
    t = translator(language)
    texts = {problem: problem_text(t, InvalidInvite(problem, "x")) for problem in Problem}
    assert len(set(texts.values())) == len(Problem)

"""Organisations and invites: create, a CSV previewed row by row before anything is
written, withdraw, and pending registrations approved or rejected."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select

from bot.app import App
from storage.models import Invite, ParticipantStatus
from tests.console.conftest import signed_in

GOOD = (
    "organisation,category,country\n"
    "Friends of the Court,ngo,AT\n"
    "University of Vienna,academia,Austria\n"
)
ONE_BAD = GOOD + "Acme,spaceship,AT\n"


async def invite_count(app: App) -> int:
    async with app.store.transaction() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Invite)) or 0)


async def test_a_csv_with_one_bad_row_writes_nothing_and_says_which(
    client: httpx.AsyncClient, app: App
) -> None:
    csrf = await signed_in(client, app)
    preview = await client.post(
        "/console/invites/import",
        data={"csrf": csrf},
        files={"file": ("invites.csv", ONE_BAD.encode(), "text/csv")},
    )
    assert preview.status_code == 200
    assert "1 row has a problem: nothing has been written." in preview.text
    assert (
        '<tr class="problem"><td>4</td><td>Acme</td><td>spaceship</td><td>unknown category '
        "&#39;spaceship&#39;; use one of ngo, academia, private_sector, igo, other</td></tr>"
        in preview.text
    )
    assert "<td>2</td><td>Friends of the Court</td><td>ngo</td><td>ready</td>" in preview.text
    assert "/console/invites/import/confirm" not in preview.text
    assert await invite_count(app) == 0
    forced = await client.post(
        "/console/invites/import/confirm", data={"csrf": csrf, "csv": ONE_BAD}
    )
    assert forced.status_code == 303
    assert await invite_count(app) == 0


async def test_a_good_csv_is_previewed_then_imported(client: httpx.AsyncClient, app: App) -> None:
    csrf = await signed_in(client, app)
    preview = await client.post(
        "/console/invites/import",
        data={"csrf": csrf},
        files={"file": ("invites.csv", GOOD.encode(), "text/csv")},
    )
    assert "Every row can be imported: 2 invites." in preview.text
    assert await invite_count(app) == 0
    done = await client.post("/console/invites/import/confirm", data={"csrf": csrf, "csv": GOOD})
    assert done.headers["location"] == "/console/invites"
    page = await client.get("/console/invites")
    assert "2 invites created: " in page.text
    assert await invite_count(app) == 2
    assert "Friends of the Court" in page.text
    async with app.store.transaction() as uow:
        audit = [(e.action, e.channel) for e in await uow.audit.since()]
    assert audit[-2:] == [("invite.created", "web"), ("invite.created", "web")]


async def test_create_and_withdraw_one(client: httpx.AsyncClient, app: App) -> None:
    csrf = await signed_in(client, app)
    bad = await client.post(
        "/console/invites/create",
        data={"csrf": csrf, "organisation": "X", "category": "ngo"},
    )
    assert bad.status_code == 303
    assert (
        "An organisation name has 2 to 300 characters."
        in (await client.get("/console/invites")).text
    )
    await client.post(
        "/console/invites/create",
        data={"csrf": csrf, "organisation": "Friends of the Court", "category": "ngo"},
    )
    async with app.store.transaction() as uow:
        [invite] = await uow.invites.list()
    await client.post("/console/invites/revoke", data={"csrf": csrf, "code": invite.code})
    page = await client.get("/console/invites")
    assert f"Invite {invite.code} is withdrawn." in page.text
    assert "withdrawn" in page.text


async def test_approve_a_pending_registration(client: httpx.AsyncClient, app: App) -> None:
    from datetime import UTC, datetime

    from storage.models import Organisation, Participant

    csrf = await signed_in(client, app)
    now = datetime(2027, 1, 15, tzinfo=UTC)
    async with app.store.transaction() as uow:
        organisation = await uow.organisations.add(
            Organisation(name="Waiting NGO", category="ngo", country=None, created_at=now)
        )
        person = await uow.participants.add(
            Participant(
                organisation_id=organisation.id,
                status=ParticipantStatus.PENDING,
                state="pending",
                context={},
                created_at=now,
                updated_at=now,
            )
        )
    page = await client.get("/console/invites")
    assert f"Approve {person.id}" in page.text
    await client.post(f"/console/pending/{person.id}/approve", data={"csrf": csrf})
    page = await client.get("/console/invites")
    assert (
        f"Participant {person.id} (Waiting NGO) is approved. They will see the decision "
        "when they next write." in page.text
    )
    assert "Nobody is waiting for approval." in page.text

"""The console's sign-in rules: a one-time link for an administrator, the session it opens,
who a session is, signing out. The chat's `/admin console`, the command line and the web
console all call these; tokens are kept only as their SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.features.admin.common import Actor, AdminError, audit
from handlers.i18n import Translator
from storage.repositories import UnitOfWork

LINK_LIFETIME = timedelta(minutes=10)
"""How long a sign-in link works (once)."""
SESSION_LIFETIME = timedelta(hours=12)
"""The longest a console session lasts, however busy."""
CHANNEL = "web"
"""The audit log's channel for what is done in the console."""


def token_hash(token: str) -> str:
    """What is stored of a link's or a session's token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Administrator:
    """A signed-in administrator's account."""

    platform: str
    user_id: str

    @property
    def name(self) -> str:
        """As the audit log names them."""
        return f"admin:{self.platform}:{self.user_id}"

    def actor(self, now: datetime) -> Actor:
        """This administrator acting in the console at `now`."""
        return Actor(self.name, CHANNEL, now)


async def issue_link(
    uow: UnitOfWork, t: Translator, actor: Actor, platform: str, user_id: str
) -> str:
    """A new one-time sign-in token for an administrator's account (AdminError for any
    other account); valid for `LINK_LIFETIME`."""
    if not await uow.admins.is_admin(platform, user_id):
        account = f"{platform}:{user_id}"[:120]
        raise AdminError(t._("{account} is no administrator.", account=account))
    token = secrets.token_urlsafe(32)
    await uow.console.add_link(
        token_hash(token), platform, user_id, now=actor.now, expires=actor.now + LINK_LIFETIME
    )
    audit(uow, actor, "console.link_issued", platform=platform, user_id=user_id)
    return token


async def link_is_usable(uow: UnitOfWork, token: str, now: datetime) -> bool:
    """Whether a sign-in link would open a session now (it is not used up by looking)."""
    link = await uow.console.usable_link(token_hash(token), now)
    return link is not None and await uow.admins.is_admin(link.platform, link.user_id)


async def sign_in(uow: UnitOfWork, token: str, now: datetime) -> tuple[str, Administrator] | None:
    """Use a sign-in link: a new session's token and its administrator; None when the link
    is unknown, used, expired, or its account is no longer an administrator."""
    account = await uow.console.use_link(token_hash(token), now)
    if account is None or not await uow.admins.is_admin(*account):
        return None
    admin = Administrator(*account)
    session = secrets.token_urlsafe(32)
    await uow.console.open_session(token_hash(session), admin.platform, admin.user_id, now)
    audit(uow, admin.actor(now), "console.signed_in")
    return session, admin


async def signed_in(
    uow: UnitOfWork, session: str, now: datetime, *, idle: timedelta
) -> Administrator | None:
    """The administrator of a session, which counts as used now; None when it is unknown,
    signed out, idle for longer than `idle`, too old, or its account is no longer an
    administrator."""
    row = await uow.console.session_of(token_hash(session))
    if row is None or now - row.last_seen_at > idle or now - row.created_at > SESSION_LIFETIME:
        return None
    if not await uow.admins.is_admin(row.platform, row.user_id):
        return None
    row.last_seen_at = now
    return Administrator(row.platform, row.user_id)


async def sign_out(uow: UnitOfWork, session: str, actor: Actor) -> None:
    """End one session."""
    if await uow.console.revoke(token_hash(session), actor.now):
        audit(uow, actor, "console.signed_out")


async def sign_out_everyone(uow: UnitOfWork, actor: Actor) -> int:
    """End every console session; how many there were."""
    count = await uow.console.revoke_all(actor.now)
    audit(uow, actor, "console.signed_out_all", sessions=count)
    return count

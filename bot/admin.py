"""The secretariat's services around the engine: figures, digests, reminders and deliveries."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path

from bot import invites, reminders, stats
from bot.console.links import sign_in_url
from bot.digest import period as digest_period
from bot.digest.translate import Translator
from bot.sending import AllUnreachable, NoChannel, channels_of, deliver
from handlers.events import OutgoingDocument, Reply
from handlers.features.admin.moderation import Notice
from handlers.ports import AdminServices, Clock, DeliveryCounts, Outbox
from storage.models import ParticipantStatus, SubmissionStatus
from storage.repositories import Store

log = logging.getLogger(__name__)


class Services:
    """The bot's side of `handlers.ports.AdminServices`, over the running channels' outboxes."""

    def __init__(
        self,
        store: Store,
        outboxes: Mapping[str, Outbox],
        clock: Clock,
        *,
        bot_username: Callable[[], str | None] = lambda: None,
        public_url: str | None = None,
        translator: Translator | None = None,
        docx_template: Path | None = None,
    ) -> None:
        self.store = store
        self.outboxes = outboxes
        self.clock = clock
        self._bot_username = bot_username
        self.public_url = public_url
        self.translator = translator
        self.docx_template = docx_template

    async def stats(self, consultation_id: str | None) -> list[str]:
        """Participation figures per consultation, then the organisations outstanding."""
        lines: list[str] = []
        for figures in await stats.collect(self.store, consultation_id):
            lines += figures.lines()
            outstanding = await self.outstanding(figures.consultation)
            lines.append(f"  outstanding: {len(outstanding)}")
            lines += [f"    {name}" for name in outstanding]
        return lines

    async def outstanding(self, consultation_id: str) -> list[str]:
        """Organisations invited to a consultation that have submitted nothing yet."""
        async with self.store.transaction() as uow:
            invited = {
                i.organisation.name: i.organisation_id
                for i in await uow.reports.invites()
                if i.consultation_id in (consultation_id, None)
            }
            participants = {p.id: p for p in await uow.reports.participants()}
            submitted = {
                participants[s.participant_id].organisation_id
                for s, _ in await uow.reports.submissions(consultation_id)
                if s.status != SubmissionStatus.DRAFT and s.participant_id in participants
            }
        return sorted(name for name, oid in invited.items() if oid not in submitted)

    async def digest(self, consultation_id: str, fmt: str) -> OutgoingDocument:
        """The digest now, marking what is new since the previous one; its period is
        recorded, so the next digest starts where it ends."""
        _, document = await digest_period.write(
            self.store,
            consultation_id,
            fmt,
            now=self.clock.now(),
            target="an administrator's chat",
            translator=self.translator,
            docx_template=self.docx_template,
        )
        return document

    async def remind(self) -> DeliveryCounts:
        """The reminders due now, each sent at most once (the delivery ledger sees to it)."""
        report = await reminders.sweep(self.store, self.outboxes, self.clock)
        return DeliveryCounts(
            delivered=report.sent,
            unreachable=report.unreachable,
            failed=report.failed,
            no_channel=report.no_channel,
        )

    def deep_link(self, code: str) -> str | None:
        """The Telegram link that opens the bot with the code."""
        return invites.deep_link(self._bot_username(), code)

    def console_url(self, token: str) -> str | None:
        """The console's sign-in link for a token, under PUBLIC_URL."""
        return sign_in_url(self.public_url, token)

    async def send(
        self,
        messages: Sequence[tuple[int, Sequence[Reply]]],
        *,
        tick: Callable[[], None] = lambda: None,
    ) -> DeliveryCounts:
        """Deliver to each participant's most recently used account on a running channel.

        One at a time: each channel's limiter paces the sends, so a large broadcast keeps
        within the platform's limits instead of bursting into them. `tick` is called once
        per participant tried (the command line's progress).
        """
        async with self.store.transaction() as uow:
            accounts = await uow.reports.identities({pid for pid, _ in messages})
            erased = {
                p.id
                for p in await uow.reports.participants()
                if p.status == ParticipantStatus.ERASED
            }
        delivered = unreachable = failed = no_channel = 0
        by_platform: dict[str, int] = {}
        for participant_id, replies in messages:
            channels = () if participant_id in erased else channels_of(accounts[participant_id])
            try:
                reached = await deliver(self.outboxes, channels, replies)
            except NoChannel:
                no_channel += 1
            except AllUnreachable:
                unreachable += 1
            except Exception:  # One failed chat must not stop the rest of a broadcast.
                log.exception("delivery to participant %s failed", participant_id)
                failed += 1
            else:
                delivered += 1
                by_platform[reached.platform] = by_platform.get(reached.platform, 0) + 1
            tick()
        return DeliveryCounts(delivered, unreachable, failed, no_channel, by_platform)


async def bootstrap(store: Store, accounts: Sequence[tuple[str, str]], now: datetime) -> int:
    """Add the ADMINS accounts that are not administrators yet; how many were added."""
    added = 0
    async with store.transaction() as uow:
        for platform, user_id in accounts:
            if await uow.admins.add(platform, user_id, added_by="ADMINS", now=now):
                uow.audit.record(
                    actor="settings",
                    action="admin.added",
                    channel="settings",
                    now=now,
                    platform=platform,
                    user_id=user_id,
                )
                added += 1
    return added


async def tell(services: AdminServices | None, said: str, notice: Notice) -> str:
    """Send a participant the secretariat's decision on their registration; what was
    said about it, with whether they were told."""
    if services is None:
        return said
    counts = await services.send([notice])
    if counts.delivered:
        return said + " The participant was told."
    return said + " They will see the decision when they next write."

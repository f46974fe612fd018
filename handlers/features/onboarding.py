"""Onboarding: invite, language, privacy notice and consents, organisation profile, gender."""

from __future__ import annotations

from datetime import datetime

from config.consultation import LANGUAGES
from handlers.actions import (
    Action,
    ChooseCategory,
    ChooseCredit,
    ChooseGender,
    ChooseLanguage,
    ConsentDecision,
    KeepDisplayName,
    Profile,
    ProfileTarget,
    PublicationDecision,
)
from handlers.conversation import (
    NOTICE_VERSION,
    Context,
    DecisionStep,
    State,
    Step,
    stale_button,
)
from handlers.events import Button
from handlers.features.codes import use_code
from handlers.i18n import LANGUAGE_NAMES, Translator, country_codes, negotiate
from handlers.text import clean_name
from storage.models import (
    Category,
    ConsentKind,
    Credit,
    Gender,
    Invite,
    Participant,
    ParticipantStatus,
)

GENDERS = tuple(Gender)
MAX_NAME = 300


def category_label(t: Translator, category: str) -> str:
    """An organisation category in words."""
    labels: dict[str, str] = {
        Category.NGO: t._("Non-governmental organization"),
        Category.ACADEMIA: t._("Academia"),
        Category.PRIVATE_SECTOR: t._("Private sector"),
        Category.IGO: t._("Intergovernmental organization"),
        Category.OTHER: t._("Other"),
    }
    return labels.get(category, category)


def gender_label(t: Translator, gender: str) -> str:
    """A respondent gender option in words."""
    labels = {
        "female": t._("Female"),
        "male": t._("Male"),
        "other": t._("Another gender"),
        "undisclosed": t._("Prefer not to say"),
    }
    return labels.get(gender, gender)


async def redeem(ctx: Context, code: str) -> None:
    """Join with an invite code: create the participant and start onboarding.

    Wrong codes count against the account (`codes.use_code`): invite codes can be guessed.
    """
    await use_code(ctx, "invite", lambda: _join(ctx, code))


async def _join(ctx: Context, code: str) -> bool:
    """Use the invite code, saying what happened; True when it let the account in."""
    t = ctx.t
    invite = await ctx.uow.invites.by_code(code.strip()) if code.strip() else None
    problem = _refusal(t, invite, code, ctx.now)
    if invite is not None and problem is None and not await ctx.uow.invites.redeem(invite, ctx.now):
        # Another account took the last use (or the secretariat withdrew it) meanwhile.
        problem = _refusal(t, invite, code, ctx.now) or t._(
            "This invite code has already been used as often as it allows."
        )
    if problem or invite is None:
        ctx.say(f"{problem} {how_to_join(t)}")
        return False
    participant = await ctx.uow.participants.add(
        Participant(
            organisation_id=invite.organisation_id,
            invite_id=invite.id,
            status=ParticipantStatus.ACTIVE,
            display_name=ctx.event.display_name,
            timezone=ctx.event.timezone,
            state=State.LANGUAGE,
            context={},
            created_at=ctx.now,
            updated_at=ctx.now,
        )
    )
    ctx.identity.participant_id = participant.id
    ctx.participant = participant
    ctx.uow.audit.record(
        actor=f"participant:{participant.id}",
        action="invite.redeemed",
        channel=ctx.event.platform,
        now=ctx.now,
        invite=invite.id,  # not its code: a code is a secret that lets people in
        organisation=invite.organisation_id,
    )
    ctx.say(
        t._(
            "Welcome! You were invited on behalf of {organisation}. "
            "This bot collects your organisation's inputs for the constructive dialogues "
            "of the review mechanism of the United Nations Convention against "
            "Transnational Organized Crime.",
            organisation=t.isolate(invite.organisation.name),
        )
    )
    await ctx.enter(State.LANGUAGE)
    return True


def _refusal(t: Translator, invite: Invite | None, code: str, now: datetime) -> str | None:
    """Why this invite cannot be used now, or None when it can."""
    if invite is None:
        return t._("I could not find the invite code {code}.", code=code.strip()[:40])
    if invite.revoked_at is not None:
        return t._("This invite code has been withdrawn.")
    if invite.expires_at is not None and invite.expires_at <= now:
        return t._("This invite code has expired.")
    if invite.uses >= invite.max_uses:
        return t._("This invite code has already been used as often as it allows.")
    return None


def how_to_join(t: Translator) -> str:
    """What someone without a valid invite can do."""
    return t._(
        "This bot collects inputs from organisations invited by the secretariat. "
        "Please open the invitation link you received, or send /start followed by "
        "your invite code. If you have no invitation, please contact the secretariat."
    )


class LanguageStep(Step):
    """Choose the interface language."""

    async def prompt(self, ctx: Context) -> None:
        suggested = ctx.me.locale or negotiate(ctx.identity.locale_hint)
        ordered = [suggested, *[lang for lang in LANGUAGES if lang != suggested]]
        rows = [
            [
                Button(LANGUAGE_NAMES[lang], ChooseLanguage(lang).payload())
                for lang in ordered[i : i + 2]
            ]
            for i in range(0, len(ordered), 2)
        ]
        ctx.say(ctx.t._("Which language would you like me to use?"), rows)

    async def on_button(self, ctx: Context, action: Action) -> None:
        if not isinstance(action, ChooseLanguage) or action.language not in LANGUAGES:
            await stale_button(ctx)
            return
        saved = ctx.data.get("return")
        ctx.set_language(action.language)
        if saved:
            ctx.say(ctx.t._("I will write in English from now on."))
            await ctx.go_back(saved, State.HOME)
        else:
            await ctx.enter(State.CONSENT)


class ConsentStep(DecisionStep):
    """The privacy notice and consent to processing (required)."""

    action = ConsentDecision

    def question(self, ctx: Context) -> str:
        return ctx.t._(
            "Before we start, how we handle your information:\n"
            "• We record your organisation's profile and your answers to the questions "
            "of each consultation, with the time and the language of each answer.\n"
            "• The secretariat (UNODC) uses them to prepare the constructive dialogues "
            "and the Chair's summaries; statistics are shown without personal details.\n"
            "• Your written comments are published only if you allow it in the next step.\n"
            "• At any time, /mydata sends you everything we hold about you and /forget "
            "erases it.\n\n"
            "Do you agree that we process your information for this purpose?"
        )

    def labels(self, ctx: Context) -> tuple[str, str]:
        return ctx.t._("I agree"), ctx.t._("I do not agree")

    async def on_yes(self, ctx: Context) -> None:
        await record_consent(ctx, ConsentKind.PROCESSING, granted=True)
        await ctx.enter(State.PUBLICATION)

    async def on_no(self, ctx: Context) -> None:
        await record_consent(ctx, ConsentKind.PROCESSING, granted=False)
        await ctx.enter(State.REFUSED)


async def record_consent(ctx: Context, kind: ConsentKind, *, granted: bool) -> None:
    """Record a consent given or refused, against the current notice."""
    await ctx.uow.participants.add_consent(
        ctx.me.id, kind, granted=granted, version=NOTICE_VERSION, now=ctx.now
    )


class RefusedStep(Step):
    """Consent to processing was refused: nothing can be recorded."""

    async def prompt(self, ctx: Context) -> None:
        ctx.say(
            ctx.t._(
                "Understood. Without your consent I cannot record any answers, so nothing "
                "more will be stored. If you change your mind, send /start to see the "
                "notice again. /forget erases the little we hold (your invite and language)."
            )
        )

    async def on_text(self, ctx: Context, text: str) -> None:
        await self.prompt(ctx)


class PublicationStep(DecisionStep):
    """Separate, optional consent to publishing written comments."""

    action = PublicationDecision

    def question(self, ctx: Context) -> str:
        return ctx.t._(
            "The secretariat publishes written comments on its webpage when their "
            "authors allow it. May your written comments be published? "
            "Your answer does not affect whether your inputs are considered."
        )

    def labels(self, ctx: Context) -> tuple[str, str]:
        return ctx.t._("Yes, they may be published"), ctx.t._("No, do not publish")

    async def on_yes(self, ctx: Context) -> None:
        await record_consent(ctx, ConsentKind.PUBLICATION, granted=True)
        await ctx.enter(State.CREDIT)

    async def on_no(self, ctx: Context) -> None:
        await record_consent(ctx, ConsentKind.PUBLICATION, granted=False)
        ctx.me.credit = Credit.ANONYMOUS
        await ctx.enter(State.PROFILE)


class CreditStep(Step):
    """How published comments are credited."""

    async def prompt(self, ctx: Context) -> None:
        t = ctx.t
        ctx.say(
            t._("How should published comments be credited?"),
            [
                [Button(t._("My name and organisation"), ChooseCredit(Credit.NAMED).payload())],
                [Button(t._("My organisation only"), ChooseCredit(Credit.ORGANISATION).payload())],
                [Button(t._("Anonymously"), ChooseCredit(Credit.ANONYMOUS).payload())],
            ],
        )

    async def on_button(self, ctx: Context, action: Action) -> None:
        if not isinstance(action, ChooseCredit):
            await stale_button(ctx)
            return
        ctx.me.credit = action.credit
        if ctx.me.credit == Credit.NAMED:
            await ctx.enter(State.CREDIT_NAME)
        else:
            await ctx.enter(State.PROFILE)


MAX_PERSON_NAME = 200
"""As long as `participants.display_name` holds."""


class CreditNameStep(Step):
    """The respondent's name, for comments published "with my name and organisation".

    Asked after that choice, and again when /mydata name asks to change it; the platform's
    display name, when there is one, is only offered, never taken as given.
    """

    def accepts_text(self, ctx: Context) -> bool:
        return True

    async def prompt(self, ctx: Context) -> None:
        t = ctx.t
        rows = []
        if ctx.me.display_name:
            label = t._("Keep {name}", name=t.isolate(ctx.me.display_name))
            rows.append([Button(label, KeepDisplayName().payload())])
        ctx.say(
            t._("Please type your name as it should appear with your published comments."), rows
        )

    async def on_text(self, ctx: Context, text: str) -> None:
        name = clean_name(text)
        if not 2 <= len(name) <= MAX_PERSON_NAME:
            ctx.say(ctx.t._("A name has 2 to {limit} characters.", limit=MAX_PERSON_NAME))
            await self.prompt(ctx)
            return
        ctx.me.display_name = name
        await self._done(ctx)

    async def on_button(self, ctx: Context, action: Action) -> None:
        if isinstance(action, KeepDisplayName) and ctx.me.display_name:
            await self._done(ctx)
        else:
            await stale_button(ctx)

    async def _done(self, ctx: Context) -> None:
        name = ctx.me.display_name or ""
        ctx.say(
            ctx.t._(
                "Thank you. Published comments will name you as {name}.", name=ctx.t.isolate(name)
            )
        )
        await ctx.go_back(ctx.data.get("return"), State.PROFILE)


class ProfileStep(Step):
    """Confirm or correct the organisation profile the invite prefilled."""

    async def prompt(self, ctx: Context) -> None:
        t = ctx.t
        organisation = ctx.me.organisation
        if organisation is None:
            await ctx.enter(State.GENDER)
            return
        country = t.country(organisation.country) if organisation.country else t._("not given")
        ctx.say(
            t._(
                "Please check your organisation's profile:\n"
                "Name: {name}\nCategory: {category}\nCountry: {country}",
                name=t.isolate(organisation.name),
                category=category_label(t, organisation.category),
                country=country,
            ),
            [
                [Button(t._("This is correct"), Profile(ProfileTarget.OK).payload())],
                [
                    Button(t._("Change name"), Profile(ProfileTarget.NAME).payload()),
                    Button(t._("Change category"), Profile(ProfileTarget.CATEGORY).payload()),
                    Button(t._("Change country"), Profile(ProfileTarget.COUNTRY).payload()),
                ],
            ],
        )

    async def on_button(self, ctx: Context, action: Action) -> None:
        targets = {
            ProfileTarget.OK: State.GENDER,
            ProfileTarget.NAME: State.PROFILE_NAME,
            ProfileTarget.CATEGORY: State.PROFILE_CATEGORY,
            ProfileTarget.COUNTRY: State.PROFILE_COUNTRY,
        }
        if not isinstance(action, Profile) or action.target not in targets:
            await stale_button(ctx)
            return
        await ctx.enter(targets[action.target])


class ProfileNameStep(Step):
    """Type the organisation's name."""

    def accepts_text(self, ctx: Context) -> bool:
        return True

    async def prompt(self, ctx: Context) -> None:
        ctx.say(ctx.t._("Please type your organisation's full name."), [[_back_to_profile(ctx)]])

    async def on_text(self, ctx: Context, text: str) -> None:
        name = clean_name(text)
        if not 2 <= len(name) <= MAX_NAME:
            ctx.say(ctx.t._("A name has 2 to {limit} characters.", limit=MAX_NAME))
            await self.prompt(ctx)
            return
        if ctx.me.organisation is not None:
            ctx.me.organisation.name = name
        await ctx.enter(State.PROFILE)

    async def on_button(self, ctx: Context, action: Action) -> None:
        await _profile_back(ctx, action)


class ProfileCategoryStep(Step):
    """Choose the organisation's category."""

    async def prompt(self, ctx: Context) -> None:
        rows = [[Button(category_label(ctx.t, c), ChooseCategory(c).payload())] for c in Category]
        ctx.say(ctx.t._("Which kind of organisation is it?"), [*rows, [_back_to_profile(ctx)]])

    async def on_button(self, ctx: Context, action: Action) -> None:
        if isinstance(action, ChooseCategory):
            if ctx.me.organisation is not None:
                ctx.me.organisation.category = action.category
            await ctx.enter(State.PROFILE)
            return
        await _profile_back(ctx, action)


class ProfileCountryStep(Step):
    """Type the country where the organisation is based."""

    def accepts_text(self, ctx: Context) -> bool:
        return True

    async def prompt(self, ctx: Context) -> None:
        ctx.say(
            ctx.t._(
                "In which country is your organisation based? Type its name or its "
                "two-letter code (for example AT for Austria)."
            ),
            [[_back_to_profile(ctx)]],
        )

    async def on_text(self, ctx: Context, text: str) -> None:
        code = country_codes().get(" ".join(text.split()).lower())
        if code is None:
            ctx.say(ctx.t._("I do not know a country called {name}.", name=text.strip()[:60]))
            await self.prompt(ctx)
            return
        if ctx.me.organisation is not None:
            ctx.me.organisation.country = code
        await ctx.enter(State.PROFILE)

    async def on_button(self, ctx: Context, action: Action) -> None:
        await _profile_back(ctx, action)


def _back_to_profile(ctx: Context) -> Button:
    return Button(ctx.t._("‹ Back"), Profile(ProfileTarget.BACK).payload())


async def _profile_back(ctx: Context, action: Action) -> None:
    if action == Profile(ProfileTarget.BACK):
        await ctx.enter(State.PROFILE)
    else:
        await stale_button(ctx)


class GenderStep(Step):
    """Optional respondent gender, for sex-disaggregated statistics."""

    async def prompt(self, ctx: Context) -> None:
        t = ctx.t
        ctx.say(
            t._(
                "Optional: your gender, only for statistics disaggregated by sex, as the "
                "Chair's summaries ask for. It is never shown next to your answers."
            ),
            [
                [Button(gender_label(t, g), ChooseGender(g).payload()) for g in GENDERS[:2]],
                [Button(gender_label(t, g), ChooseGender(g).payload()) for g in GENDERS[2:]],
            ],
        )

    async def on_button(self, ctx: Context, action: Action) -> None:
        if not isinstance(action, ChooseGender):
            await stale_button(ctx)
            return
        gender = action.gender
        ctx.me.gender = None if gender == Gender.UNDISCLOSED else str(gender)
        if await _needs_approval(ctx):
            ctx.me.status = ParticipantStatus.PENDING
            await ctx.enter(State.PENDING)
            return
        ctx.say(ctx.t._("Thank you, you are all set."))
        await ctx.enter(State.HOME)


async def _needs_approval(ctx: Context) -> bool:
    """True when the invite's consultation has the secretariat approve each registration."""
    if ctx.me.status != ParticipantStatus.ACTIVE:
        return ctx.me.status == ParticipantStatus.PENDING
    invite = await ctx.uow.invites.get(ctx.me.invite_id) if ctx.me.invite_id else None
    if invite is None or invite.consultation_id is None:
        return False
    row = await ctx.uow.consultations.get(invite.consultation_id)
    return row is not None and bool(row.definition.get("requires_approval"))

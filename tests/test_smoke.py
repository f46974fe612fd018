from tests.conftest import Chat, onboard


async def test_onboarding_reaches_consultations(chat: Chat, invite: str) -> None:
    await onboard(chat, invite)
    assert chat.labels == ["Constructive dialogue 2027 (WGIC 18)"]

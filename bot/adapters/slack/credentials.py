"""The start-up check of Slack's bot token: auth.test, its refusal as a configuration problem."""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.adapters.slack.client import SlackApi
from config.errors import ConfigError, Problem
from config.settings import Settings, redact_url

REFUSED = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}
)
"""auth.test errors that mean the token itself is wrong."""


async def check_token(settings: Settings) -> None:
    """Ask Slack whether SLACK_BOT_TOKEN is good (auth.test), before anything starts.

    Raises:
        ConfigError: Slack refused the token, or the Web API at SLACK_API_URL cannot be
            reached: one problem naming the variable and the fix, without the token.
    """
    token = settings.slack_bot_token
    if token is None:
        return
    api = SlackApi(token.get_secret_value(), base_url=settings.slack_api_url)
    try:
        await api.client.auth_test()
    except SlackApiError as exc:
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        error = str(data.get("error") or f"HTTP {exc.response.status_code}")
        if error in REFUSED:
            raise ConfigError(
                [
                    Problem(
                        "SLACK_BOT_TOKEN",
                        "",
                        f"Slack refused the token ({error})",
                        "copy the Bot User OAuth Token (xoxb-…) from the app's "
                        "OAuth & Permissions page",
                    )
                ]
            ) from None
        raise _unreachable(settings, f"auth.test answered {error}") from None
    except (aiohttp.ClientError, TimeoutError, SlackClientError) as exc:
        raise _unreachable(settings, type(exc).__name__) from None


def _unreachable(settings: Settings, why: str) -> ConfigError:
    return ConfigError(
        [
            Problem(
                "SLACK_API_URL",
                redact_url(settings.slack_api_url),
                f"cannot use the Slack Web API ({why})",
                "check SLACK_API_URL (by default https://slack.com/api/) and that this "
                "machine can reach it",
            )
        ]
    )

"""Where the console's sign-in links point."""

from __future__ import annotations

SIGN_IN_PATH = "/console/signin/"


def sign_in_url(public_url: str | None, token: str) -> str | None:
    """The sign-in link of a token under PUBLIC_URL; None when PUBLIC_URL is not set."""
    return f"{public_url.rstrip('/')}{SIGN_IN_PATH}{token}" if public_url else None

"""The Slack channel: events, actions, forms and commands in, the engine's replies out."""

from bot.adapters.slack.channel import SlackChannel, SlackEvents, from_settings
from bot.adapters.slack.socket_mode import SocketMode, socket_mode

__all__ = ["SlackChannel", "SlackEvents", "SocketMode", "from_settings", "socket_mode"]

"""Channels: each translates its platform to the engine's neutral events and replies."""

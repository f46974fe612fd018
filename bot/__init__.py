"""Wiring and the outside world: composition root, channels, web app, command line."""

"""The `intersessional` command line: the table of commands (`table`) and, by concern, what
they do — the processes, consultations, invites, the secretariat's actions, reports."""

from bot.cli.table import main

__all__ = ["main"]

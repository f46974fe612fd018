"""The command line's table: each command runs one function or chooses among sub-commands,
and the parser built from it offers exactly the table's commands."""

from __future__ import annotations

import argparse

from bot.cli.table import COMMANDS, handler, parser


def test_every_command_runs_a_function_or_chooses_among_sub_commands() -> None:
    for command in COMMANDS.values():
        assert (command.run is None) == bool(command.actions)
        for action in command.actions.values():
            assert action.run is not None
            assert not action.actions


def test_the_parser_offers_the_table_and_finds_each_function() -> None:
    built = parser()
    [commands] = [a for a in built._actions if isinstance(a, argparse._SubParsersAction)]
    assert list(commands.choices) == list(COMMANDS)
    assert handler(built.parse_args(["invite", "revoke", "ABCD2345"])) is (
        COMMANDS["invite"].actions["revoke"].run
    )
    assert handler(built.parse_args(["close", "--item", "2"])) is COMMANDS["close"].run

"""The one error type for configuration problems, printed as a clear message at start-up."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a configuration source, and how to fix it."""

    source: str
    path: str
    message: str
    fix: str

    def __str__(self) -> str:
        where = f"{self.source}: {self.path}" if self.path else self.source
        return f"{where}: {self.message}. Fix: {self.fix}"


class ConfigError(Exception):
    """Raised when configuration is invalid; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))

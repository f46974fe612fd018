"""A fake monotonic clock for the outbound pacers: waiting takes no real time."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FakeTimer:
    """Time for the limiter: `sleep` moves `now` on at once and remembers how long it was."""

    current: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def now(self) -> float:
        """The fake monotonic time."""
        return self.current

    async def sleep(self, seconds: float) -> None:
        """Pretend to wait."""
        self.sleeps.append(seconds)
        self.current += seconds

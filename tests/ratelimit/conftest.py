import pytest

from ratelimit import middleware as ratelimit


@pytest.fixture
def clock(monkeypatch):
    """A frozen clock for the limiter: set ``clock.now`` to move time."""

    class Clock:
        now = 1_800_000_010.0  # 10 seconds after a minute boundary (and after a quarter of an hour's)

    monkeypatch.setattr(ratelimit.time, "time", lambda: Clock.now)
    return Clock

"""Load for the cluster's operations tests: many connections at once, a bounded number of requests.

Each connection is a thread with its own requests.Session, taking turns at the calls until
``total`` requests were sent (or ``until`` says stop, or ``seconds`` pass). Every answer and
every error is kept, as its client saw it.
"""

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

Call = Callable[[requests.Session], requests.Response]


@dataclass
class Outcomes:
    """What the clients got: per kind of call, how many of each status (or error name)."""

    by_call: dict[str, Counter] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, call: str, outcome: int | str) -> None:
        with self.lock:
            self.by_call.setdefault(call, Counter())[outcome] += 1

    def count(self, call: str, outcome: int | str) -> int:
        return self.by_call.get(call, Counter())[outcome]

    @property
    def total(self) -> int:
        return sum(sum(counter.values()) for counter in self.by_call.values())

    def failed(self) -> dict[str, dict]:
        """Return every answer that was not a 2xx, and every request that got no answer, by call."""
        return {
            call: {outcome: n for outcome, n in counter.items() if not (isinstance(outcome, int) and outcome < 300)}
            for call, counter in self.by_call.items()
            if any(not (isinstance(outcome, int) and outcome < 300) for outcome in counter)
        }


def run(
    calls: dict[str, Call],
    *,
    connections: int,
    total: int,
    seconds: float = 120,
    until: Callable[[], bool] = lambda: False,
    keep_alive: bool = True,
    outcomes: Outcomes | None = None,
) -> Outcomes:
    """Send the calls in turn over ``connections`` connections; return once ``total`` were sent or ``until()``.

    Without ``keep_alive``, each request opens a connection of its own (``Connection: close``).
    Pass ``outcomes`` to watch them from another thread while the load runs.
    """
    outcomes = outcomes if outcomes is not None else Outcomes()
    names = list(calls)
    sent = 0
    turns = threading.Lock()
    deadline = time.monotonic() + seconds

    def next_turn() -> int | None:
        nonlocal sent
        with turns:
            if sent >= total or until() or time.monotonic() > deadline:
                return None
            sent += 1
            return sent

    def client() -> None:
        with requests.Session() as session:
            if not keep_alive:
                session.headers["Connection"] = "close"
            while (turn := next_turn()) is not None:
                name = names[turn % len(names)]
                try:
                    outcomes.add(name, calls[name](session).status_code)
                except requests.RequestException as error:
                    outcomes.add(name, type(error).__name__)

    threads = [threading.Thread(target=client) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes

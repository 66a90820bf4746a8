"""Process-local, thread-safe storage with expiry for the sandbox's codes and tokens.

The sandbox never touches the database: it also runs as a standalone process, and a
restart forgetting every code and token is exactly what a test server should do.
"""

import threading
from collections.abc import Callable
from time import monotonic
from typing import Any

SWEEP_INTERVAL = 60.0


class ExpiringStore:
    """A dict whose entries vanish ``ttl`` seconds after they were put."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._last_sweep = monotonic()

    def put(self, key: str, value: Any, *, ttl: float) -> None:
        now = monotonic()
        with self._lock:
            self._entries[key] = (now + ttl, value)
            # Sweeping now and then keeps memory bounded without a background thread.
            if now - self._last_sweep > SWEEP_INTERVAL:
                self._entries = {k: entry for k, entry in self._entries.items() if entry[0] > now}
                self._last_sweep = now

    def get(self, key: str) -> Any | None:
        """Return the live value under ``key``, or None."""
        with self._lock:
            entry = self._entries.get(key)
        return entry[1] if entry and entry[0] > monotonic() else None

    def pop(self, key: str) -> Any | None:
        """Remove ``key`` and return its live value, or None; of two racing callers only one gets it."""
        with self._lock:
            entry = self._entries.pop(key, None)
        return entry[1] if entry and entry[0] > monotonic() else None

    def remaining(self, key: str) -> float:
        """Return how many seconds ``key`` has left to live (0 when gone)."""
        with self._lock:
            entry = self._entries.get(key)
        return max(0.0, entry[0] - monotonic()) if entry else 0.0

    def delete_where(self, predicate: Callable[[Any], bool]) -> None:
        """Remove every entry whose value satisfies ``predicate``."""
        with self._lock:
            self._entries = {k: entry for k, entry in self._entries.items() if not predicate(entry[1])}


authorization_codes = ExpiringStore()
access_tokens = ExpiringStore()
refresh_tokens = ExpiringStore()

"""Loopback ports for the tests that start real servers (nginx, Redis, PostgreSQL, gunicorn)."""

import socket
import subprocess
import time


def free_port() -> int:
    """Return a loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_listening(
    port: int, *, what: str, process: subprocess.Popen | None = None, host: str = "127.0.0.1", seconds: float = 10
) -> None:
    """Return once ``host:port`` accepts connections; raise if ``process`` exits or ``seconds`` pass first."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline or (process is not None and process.poll() is not None):
                raise RuntimeError(f"{what} did not start listening on {host}:{port}") from None
            time.sleep(0.05)


def wait_until(condition, *, what: str, seconds: float = 10):
    """Return ``condition()``'s first truthy value; raise if ``seconds`` pass first (a bound, never a pause)."""
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s")
        time.sleep(0.02)
    return result

"""Small helpers shared by the bench scripts: a keep-alive HTTP load loop, percentiles, the machine."""

import contextlib
import http.client
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


NO_ANSWER = 0  # the status LoadResult.statuses counts a request under when it got no HTTP answer


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies: list[float]  # seconds, sorted
    statuses: dict[int, int]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def ms(self, pct: float) -> float:
        return percentile(self.latencies, pct) * 1000


def percentile(sorted_values: list[float], pct: float) -> float:
    """Return the nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(pct / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def run_load(
    url: str,
    paths: list[str],
    *,
    headers: dict[str, str] | None = None,
    concurrency: int = 4,
    seconds: float | None = None,
    total: int | None = None,
) -> LoadResult:
    """Keep ``concurrency`` keep-alive connections busy on ``paths`` in turn, for ``seconds`` or ``total`` requests."""
    parts = urlsplit(url)
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    sent = 0
    start = time.perf_counter()
    deadline = start + seconds if seconds else float("inf")

    def take_turn() -> int | None:
        nonlocal sent
        with lock:
            if (total is not None and sent >= total) or time.perf_counter() >= deadline:
                return None
            sent += 1
            return sent

    def client() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine, my_statuses = [], {}
        while (turn := take_turn()) is not None:
            began = time.perf_counter()
            try:
                connection.request("GET", paths[turn % len(paths)], headers=headers or {})
                response = connection.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection first: reconnect and resend, as browsers do.
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                began = time.perf_counter()
                try:
                    connection.request("GET", paths[turn % len(paths)], headers=headers or {})
                    response = connection.getresponse()
                except (OSError, http.client.HTTPException):
                    # No answer on a new connection either: counted as status 0, never dropped.
                    my_statuses[NO_ANSWER] = my_statuses.get(NO_ANSWER, 0) + 1
                    connection.close()
                    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                    continue
            response.read()
            mine.append(time.perf_counter() - began)
            my_statuses[response.status] = my_statuses.get(response.status, 0) + 1
            if response.will_close:
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        connection.close()
        with lock:
            latencies.extend(mine)
            for status, count in my_statuses.items():
                statuses[status] = statuses.get(status, 0) + count

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult(len(latencies), time.perf_counter() - start, sorted(latencies), statuses)


def machine() -> str:
    """Describe this machine in one line: CPUs, their model, memory, Python."""
    model = "?"
    with open("/proc/cpuinfo") as cpuinfo:
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), model)
    with open("/proc/meminfo") as meminfo:
        memory_kb = int(next(line.split()[1] for line in meminfo if line.startswith("MemTotal")))
    return (
        f"{os.cpu_count()} CPUs ({model}), {memory_kb / 1024 / 1024:.0f} GiB, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}; "
        f"load average now {os.getloadavg()[0]:.1f}"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Run a PostgreSQL of our own on loopback (scripts/pg-throwaway.sh); yield its DATABASE_URL."""
    directory = tempfile.mkdtemp(prefix="bench-pg-")
    os.chmod(directory, 0o755)
    port = free_port()
    script = str(ROOT / "scripts" / "pg-throwaway.sh")
    subprocess.run([script, "start", f"{directory}/pg", str(port)], check=True)
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([script, "stop", f"{directory}/pg"], check=False)
        shutil.rmtree(directory, ignore_errors=True)


def database_from_args(postgres: bool) -> contextlib.AbstractContextManager:
    """Return a context that sets DATABASE_URL to a throwaway PostgreSQL when asked, else does nothing."""
    if not postgres:
        return contextlib.nullcontext()

    @contextlib.contextmanager
    def with_postgres() -> Iterator[None]:
        with throwaway_postgres() as url:
            os.environ["DATABASE_URL"] = url
            yield

    return with_postgres()

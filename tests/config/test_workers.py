"""config/workers.py: a gunicorn worker that stops (max_requests, SIGTERM) answers what it had accepted.

nginx opens a connection, then sends the request on it. If the worker accepted the connection
and stops before the request arrives, gthread closes the connection unread: nginx reads a
reset (a 502 for a POST). These tests hold such a connection open by hand, and send its
request once the worker has let go of the listening socket, that is once it is stopping.
"""

import contextlib
import http.client
import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.ports import free_port, wait_until, wait_until_listening

BASE_DIR = Path(__file__).resolve().parents[2]
MAX_REQUESTS = 3
REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
LISTEN = "0A"  # the TCP state in /proc/net/tcp


@contextmanager
def gunicorn(worker_class: str) -> Iterator[tuple[int, subprocess.Popen]]:
    """Run one worker of ``worker_class`` that stops after MAX_REQUESTS; yield its port and the master."""
    port = free_port()
    master = subprocess.Popen(
        [BASE_DIR / ".venv" / "bin" / "gunicorn", "--worker-class", worker_class, "--threads", "2",
         "--max-requests", str(MAX_REQUESTS), "--bind", f"127.0.0.1:{port}", "tests.config.hello_wsgi"],
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until_listening(port, what="gunicorn", process=master, seconds=30)
        wait_until(lambda: workers(master), what="gunicorn to start its worker", seconds=30)
        yield port, master
    finally:
        master.send_signal(signal.SIGINT)
        master.wait(timeout=30)


def get(port: int) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/")
    status = connection.getresponse().status
    connection.close()
    return status


def workers(master: subprocess.Popen) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()]


def holds(pid: int, *, local_port: int, remote_port: int = 0, state: str | None = None) -> bool:
    """Return True if process ``pid`` holds a TCP socket of /proc/net/tcp with these ports (and state)."""
    inodes = set()
    for fields in (line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]):
        local, remote = (int(address.split(":")[1], 16) for address in fields[1:3])
        if (local, state or fields[3]) == (local_port, fields[3]) and remote_port in {0, remote}:
            inodes.add(f"socket:[{fields[9]}]")  # inode 0: waiting in the listen queue, nobody's yet
    return bool(inodes & open_files(pid))


def open_files(pid: int) -> set[str]:
    """Return what process ``pid`` has open; nothing once it has exited (a worker may be gone already)."""
    links = set()
    with contextlib.suppress(FileNotFoundError):  # the process exited meanwhile
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(FileNotFoundError):  # closed meanwhile
                links.add(os.readlink(fd))
    return links


def accepted_and_waiting(port: int, worker: int) -> socket.socket:
    """Open a connection and return once the worker has accepted it; send nothing yet."""
    waiting = socket.create_connection(("127.0.0.1", port), timeout=10)
    client_port = waiting.getsockname()[1]
    wait_until(lambda: holds(worker, local_port=port, remote_port=client_port), what="the worker to accept it")
    return waiting


def stop(worker: int, *, how: str, port: int) -> None:
    """Make the worker stop; return once it has let go of the listening socket."""
    if how == "SIGTERM":
        os.kill(worker, signal.SIGTERM)
    else:
        assert [get(port) for _ in range(MAX_REQUESTS)] == [200] * MAX_REQUESTS
    wait_until(lambda: not holds(worker, local_port=port, state=LISTEN), what="the worker to stop accepting")


def answer(connection: socket.socket) -> bytes:
    connection.sendall(REQUEST)
    try:
        return connection.recv(12)
    except ConnectionResetError:
        return b"reset"
    finally:
        connection.close()


def test_gthread_closes_unread_a_connection_it_accepted_before_stopping():
    with gunicorn("gthread") as (port, master):
        [worker] = workers(master)
        waiting = accepted_and_waiting(port, worker)
        stop(worker, how="max_requests", port=port)

        assert answer(waiting) in {b"", b"reset"}  # nginx: "upstream prematurely closed" or "reset by peer"


@pytest.mark.parametrize("how", ["max_requests", "SIGTERM"])
def test_draining_worker_answers_a_connection_it_accepted_before_stopping(how):
    with gunicorn("config.workers.DrainingThreadWorker") as (port, master):
        [worker] = workers(master)
        waiting = accepted_and_waiting(port, worker)
        stop(worker, how=how, port=port)

        assert answer(waiting) == b"HTTP/1.1 200"
        wait_until(lambda: worker not in workers(master), what="the worker to exit once it has answered")
        assert get(port) == 200  # its replacement answers

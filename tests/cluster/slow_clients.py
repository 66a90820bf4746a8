"""Clients that send their request headers a byte at a time and never finish them (slowloris).

Whether a server has read what such a client sent is in the kernel's table of TCP
connections (/proc/net/tcp, Linux): the client's end counts the bytes the server's kernel
has not acknowledged yet, the server's end the bytes its process has not read yet. Both at
0 means the server's process holds the connection, waiting for the rest of the headers.
"""

import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# A request whose headers never end: the blank line that would end them is never sent.
UNFINISHED_HEADERS = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow-client\r\nAccept: */*\r\n"


class SlowClient:
    """One connection that sends ``UNFINISHED_HEADERS``, a byte per call to ``send_next_byte``."""

    def __init__(self, port: int) -> None:
        self.server_port = port
        self.socket = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.port = self.socket.getsockname()[1]
        self.sent = 0

    def send_next_byte(self) -> None:
        self.socket.sendall(UNFINISHED_HEADERS[self.sent : self.sent + 1])
        self.sent += 1

    def close(self) -> None:
        self.socket.close()


ESTABLISHED = "01"


@dataclass(frozen=True)
class Connection:
    """One end of a TCP connection, as /proc/net/tcp shows it."""

    state: str
    unacknowledged: int  # sent, not yet acknowledged by the other end's kernel
    unread: int  # received, not yet read by this end's process


def connections() -> dict[tuple[int, int], Connection]:
    """Return each end of every IPv4 TCP connection, by (local port, remote port)."""
    table = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        remote_port = int(fields[2].rsplit(":", 1)[1], 16)
        unacknowledged, unread = (int(value, 16) for value in fields[4].split(":"))
        table[local_port, remote_port] = Connection(fields[3], unacknowledged, unread)
    return table


def read_by_server(clients: list[SlowClient]) -> list[SlowClient]:
    """Return the clients whose every byte sent so far the server's process has read."""
    table = connections()
    read = []
    for client in clients:
        ours, theirs = table.get((client.port, client.server_port)), table.get((client.server_port, client.port))
        if ours and theirs and ours.unacknowledged == 0 and theirs.unread == 0:
            read.append(client)
    return read


def still_open(clients: list[SlowClient]) -> list[SlowClient]:
    """Return the clients whose connection the server has not closed."""
    table = connections()
    return [
        client
        for client in clients
        if getattr(table.get((client.server_port, client.port)), "state", "") == ESTABLISHED
    ]


def wait_until(condition: Callable[[], bool], *, what: str, seconds: float = 30) -> None:
    """Return once ``condition()`` holds; fail the test, saying ``what`` was awaited, after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.02)

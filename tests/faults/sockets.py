"""Which process is talking to a port right now, read from /proc (Linux): to kill the instance mid-request."""

import os
import time
from pathlib import Path

ESTABLISHED = "01"


def connections_to(port: int) -> set[str]:
    """Return the socket inodes of established TCP connections to ``port`` on this host."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == port and fields[3] == ESTABLISHED:
                inodes.add(fields[9])
    return inodes


def sockets_of(pid: int) -> set[str]:
    """Return the socket inodes process ``pid`` holds open."""
    inodes = set()
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")
    except FileNotFoundError:
        return inodes
    for descriptor in descriptors:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{descriptor}")
        except FileNotFoundError:
            continue  # closed while we looked
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    return inodes


def wait_for_new_connection(port: int, processes: dict[str, list[int]], *, known: set[str], timeout: float) -> str:
    """Return the name of the process group that opens a connection to ``port`` not in ``known``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = connections_to(port) - known
        for name, pids in processes.items():
            if any(sockets_of(pid) & new for pid in pids):
                return name
        time.sleep(0.02)
    raise AssertionError(f"no process opened a connection to port {port} within {timeout} s")

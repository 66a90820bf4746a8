"""Requests sent exactly as written, as an attacker writes them.

requests (through urllib3) removes dot segments from a URL before sending it, so a test
of ``/members/../public/`` with it would test ``/public/``. Here the request line goes out
byte for byte, on a socket of its own, or through ``curl --path-as-is``.
"""

import http.client
import socket
import subprocess
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_BODY = 1 << 20  # far above any page here; an answer is never read without bound


@dataclass(frozen=True)
class Answer:
    status: int
    headers: str  # the header block as received
    body: str


def raw_get(site_url: str, target: str, headers: dict[str, str], *, timeout: float = 10) -> Answer:
    """Send ``GET target`` with ``headers`` byte for byte on a new connection; return the answer."""
    site = urlsplit(site_url)
    lines = [f"GET {target} HTTP/1.1", f"Host: {site.netloc}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection((site.hostname, site.port), timeout=timeout) as connection:
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        response = http.client.HTTPResponse(connection)
        response.begin()
        body = response.read(MAX_BODY)
    return Answer(response.status, str(response.msg), body.decode(errors="replace"))


def curl_get(url: str, headers: dict[str, str], *, timeout: float = 10) -> Answer:
    """Fetch ``url`` with ``curl --path-as-is``, the command a person would paste to try it."""
    command = ["curl", "--silent", "--path-as-is", "--max-time", str(timeout), "--dump-header", "-", url]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    output = subprocess.run(command, capture_output=True, timeout=timeout + 5, check=True).stdout.decode()
    head, _, body = output.partition("\r\n\r\n")
    return Answer(int(head.split(" ", 2)[1]), head, body)

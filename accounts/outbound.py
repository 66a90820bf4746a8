"""HTTP calls to other servers (Kakao) with a deadline for the whole call and a cap on the answer.

requests' ``timeout`` bounds each read of the socket, not the call: a server that sends
one byte a second never trips it and holds our worker for as long as it likes. Here a
watchdog shuts the call's sockets when the deadline passes, and an answer larger than
``MAX_ANSWER_BYTES`` is refused before it fills our memory.
"""

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import TypeVar

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

# Kakao's answers are a few kilobytes; a megabyte is a broken or hostile server.
MAX_ANSWER_BYTES = 1_000_000
T = TypeVar("T")

_current = threading.local()


class AnswerTooLarge(requests.RequestException):
    """The server's answer is larger than MAX_ANSWER_BYTES."""


class _Watchdog:
    """Shut every socket of one call once ``seconds`` have passed."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    # shutdown() wakes a recv() blocked in another thread; close() alone would not.
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Watched:
    """A urllib3 connection that hands its socket to the watchdog of the call that opened it."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        watchdog = getattr(_current, "watchdog", None)
        if watchdog is not None:
            watchdog.watch(sock)
        return sock


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class BoundedAdapter(HTTPAdapter):
    """An HTTPAdapter whose sockets the call's watchdog can shut, and that caps the answer's size."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}

    def send(self, request, stream=False, **kwargs) -> requests.Response:
        response = super().send(request, stream=True, **kwargs)
        if not stream:
            _read_bounded(response)
        return response


def _read_bounded(response: requests.Response) -> None:
    body = bytearray()
    for chunk in response.iter_content(chunk_size=16_384):
        body += chunk
        if len(body) > MAX_ANSWER_BYTES:
            response.close()
            raise AnswerTooLarge(f"answer larger than {MAX_ANSWER_BYTES} bytes", response=response)
    # requests keeps a read body in _content; there is no public setter for a body read in pieces.
    response._content = bytes(body)
    response.close()


def mount(session: requests.Session) -> requests.Session:
    """Return ``session`` with every call going through a BoundedAdapter."""
    for prefix in ("http://", "https://"):
        session.mount(prefix, BoundedAdapter())
    return session


def session() -> requests.Session:
    """Return a new requests session whose calls obey ``within(seconds)``."""
    return mount(requests.Session())


def request(method: str, url: str, **kwargs) -> requests.Response:
    """Make one call on a fresh session and close it: no keep-alive socket is left behind."""
    with session() as one_call:
        return one_call.request(method, url, **kwargs)


@contextmanager
def _deadline(seconds: float) -> Iterator[_Watchdog]:
    watchdog = _Watchdog(seconds)
    previous, _current.watchdog = getattr(_current, "watchdog", None), watchdog
    watchdog._timer.start()
    try:
        yield watchdog
    finally:
        watchdog._timer.cancel()
        _current.watchdog = previous


def within(seconds: float, call: Callable[[], T]) -> T:
    """Run ``call`` (requests made through ``session()``), raising requests.Timeout after ``seconds`` in all."""
    with _deadline(seconds) as watchdog:
        try:
            result = call()
        except Exception as error:
            # Whatever a shut socket looked like to the code reading it (a reset, a cut-off
            # body, JSON that ends too soon), the cause was the deadline.
            if watchdog.expired:
                raise requests.Timeout(f"no complete answer within {seconds} s") from error
            raise
        if watchdog.expired:
            raise requests.Timeout(f"no complete answer within {seconds} s")
        return result

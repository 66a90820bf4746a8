"""accounts/outbound.py: a deadline for the whole call and a cap on the answer, against a real socket."""

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import pytest
import requests
from django.test import override_settings

from accounts import kakao, outbound
from accounts.kakao import KakaoError

ANSWER = b'{"id": 123456789}'
HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"


def drip_everything(conn: socket.socket) -> None:
    """A server that sends its whole answer, status line included, a byte a second."""
    for byte in HEADERS % len(ANSWER) + ANSWER:
        conn.sendall(bytes([byte]))
        time.sleep(0.25)


def drip_body(conn: socket.socket) -> None:
    conn.sendall(HEADERS % len(ANSWER))
    for byte in ANSWER:
        conn.sendall(bytes([byte]))
        time.sleep(0.25)


def never_answer(conn: socket.socket) -> None:
    conn.settimeout(10)
    conn.recv(1)  # returns when the client gives up and closes


def huge_answer(conn: socket.socket) -> None:
    size = outbound.MAX_ANSWER_BYTES + 10
    conn.sendall(HEADERS % size)
    chunk = b" " * 65536
    try:
        for _ in range(size // len(chunk) + 1):
            conn.sendall(chunk)
    except OSError:
        pass  # the client stopped reading, as it should


def quick_answer(conn: socket.socket) -> None:
    conn.sendall(HEADERS % len(ANSWER) + ANSWER)


@contextmanager
def server(behave: Callable[[socket.socket], None]) -> Iterator[str]:
    """Serve ``behave`` on a loopback port for each connection; yield the base URL."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _address = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                with suppress(OSError):
                    behave(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=15)
        listener.close()


@pytest.mark.parametrize("behave", [drip_everything, drip_body, never_answer], ids=lambda f: f.__name__)
def test_a_slow_server_is_cut_off_at_the_deadline_for_the_whole_call(behave):
    with server(behave) as url:
        started = time.monotonic()
        with pytest.raises(requests.Timeout):
            # 1 s per read would never trip on a drip of a byte every 0.25 s.
            outbound.within(1.0, lambda: outbound.request("GET", url, timeout=1.0))
        elapsed = time.monotonic() - started

    assert elapsed < 1.6


def test_an_answer_over_the_cap_is_refused():
    with server(huge_answer) as url, pytest.raises(outbound.AnswerTooLarge):
        outbound.within(5.0, lambda: outbound.request("GET", url, timeout=5.0))


def test_a_quick_answer_passes_unchanged():
    with server(quick_answer) as url:
        response = outbound.within(2.0, lambda: outbound.request("GET", url, timeout=2.0))

    assert response.json() == {"id": 123456789}


@pytest.mark.parametrize("behave", [drip_everything, drip_body], ids=lambda f: f.__name__)
def test_kakao_dripping_its_profile_ends_the_login_at_kakao_timeout(behave):
    with server(behave) as url, override_settings(KAKAO_TIMEOUT=1.0):
        endpoints = kakao.KakaoEndpoints(auth_url=url, api_url=url)
        started = time.monotonic()
        with pytest.raises(KakaoError) as error:
            kakao.fetch_profile(endpoints=endpoints, kakao_access_token="token")
        elapsed = time.monotonic() - started

    assert error.value.code == "timeout"
    assert elapsed < 1.6


def test_kakao_dripping_its_token_answer_ends_the_code_exchange_at_kakao_timeout():
    with server(drip_everything) as url, override_settings(KAKAO_TIMEOUT=1.0):
        endpoints = kakao.KakaoEndpoints(auth_url=url, api_url=url)
        started = time.monotonic()
        with pytest.raises(KakaoError) as error:
            kakao.exchange_code(
                endpoints=endpoints, authorization_code="code", redirect_uri="http://x/cb", code_verifier="v" * 43
            )
        elapsed = time.monotonic() - started

    assert error.value.code == "timeout"
    assert elapsed < 1.6


def test_kakao_sending_a_huge_answer_is_a_bad_response():
    with server(huge_answer) as url:
        endpoints = kakao.KakaoEndpoints(auth_url=url, api_url=url)
        with pytest.raises(KakaoError) as error:
            kakao.fetch_profile(endpoints=endpoints, kakao_access_token="token")

    assert error.value.code == "bad_response"

"""A real blog serving its JWKS over HTTP (stoppable), and the verifier's HTTP face in front of it."""

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.test.testcases import LiveServerThread, _StaticFilesHandler

from tests.ports import free_port
from verifier import keys as verifier_keys
from verifier.keys import JWKSClient
from verifier.server import VerifierServer, make_server
from verifier.tokens import AccessTokenVerifier


class Blog:
    """The blog's own WSGI app on a loopback port, in a thread of this process, so settings overrides reach it."""

    def __init__(self) -> None:
        self.thread = LiveServerThread("127.0.0.1", _StaticFilesHandler, port=free_port())
        self.thread.daemon = True
        self.thread.start()
        self.thread.is_ready.wait()
        if self.thread.error:
            raise self.thread.error
        self.url = f"http://127.0.0.1:{self.thread.port}"
        self.jwks_url = f"{self.url}/.well-known/jwks.json"

    def stop(self) -> None:
        if self.thread.is_alive():
            self.thread.terminate()
            self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def shared_blog() -> Iterator[Blog]:
    """A blog for a whole module, for tests that do not stop it."""
    running = Blog()
    yield running
    running.stop()


@pytest.fixture
def blog() -> Iterator[Blog]:
    running = Blog()
    yield running
    running.stop()


@pytest.fixture
def jwks_fetches(monkeypatch) -> list[str]:
    """Record every JWKS fetch the verifier makes (the URL), letting each through."""
    fetches: list[str] = []
    real_fetch = verifier_keys.fetch_jwks

    def counting_fetch(uri: str, *, timeout: float) -> dict:
        fetches.append(uri)
        return real_fetch(uri, timeout=timeout)

    monkeypatch.setattr(verifier_keys, "fetch_jwks", counting_fetch)
    return fetches


def make_verifier(jwks_url: str, **client_options) -> AccessTokenVerifier:
    """Return a verifier configured as the blog under test issues: its issuer and audience from settings."""
    return AccessTokenVerifier(
        jwks_url=jwks_url,
        issuer=settings.SIMPLE_JWT["ISSUER"],
        audience=settings.SIMPLE_JWT["AUDIENCE"],
        keys=JWKSClient(jwks_url, **client_options),
    )


class RunningVerifier:
    def __init__(self, verifier: AccessTokenVerifier) -> None:
        self.server: VerifierServer = make_server(verifier, port=free_port())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve_verifier() -> Iterator:
    """Return a function that serves a verifier over HTTP (python -m verifier's server) until the test ends."""
    running: list[RunningVerifier] = []

    def serve(verifier: AccessTokenVerifier) -> RunningVerifier:
        running.append(RunningVerifier(verifier))
        return running[-1]

    yield serve
    for server in running:
        server.stop()


class FakeJWKSHandler(BaseHTTPRequestHandler):
    """Answer what the test set on the server: a status, a body, dripped slowly or not."""

    server: "FakeJWKSServer"

    def do_GET(self) -> None:
        self.send_response(self.server.status)
        for name, value in self.server.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.server.drip_seconds:
            for byte in self.server.body:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(self.server.drip_seconds)
        else:
            self.wfile.write(self.server.body)

    def log_message(self, format: str, *args: object) -> None:
        pass


class FakeJWKSServer(ThreadingHTTPServer):
    """A JWKS endpoint gone wrong: whatever status, headers and body a test wants."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", free_port()), FakeJWKSHandler)
        self.status, self.body, self.headers, self.drip_seconds = 200, b"{}", {}, 0.0
        self.url = f"http://127.0.0.1:{self.server_port}/.well-known/jwks.json"
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def serve(self, body: bytes, *, status: int = 200, headers: dict | None = None, drip_seconds: float = 0.0) -> None:
        self.status, self.body, self.headers, self.drip_seconds = status, body, headers or {}, drip_seconds


@pytest.fixture
def fake_jwks() -> Iterator[FakeJWKSServer]:
    server = FakeJWKSServer()
    yield server
    server.shutdown()
    server.server_close()
